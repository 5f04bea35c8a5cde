/*
** The executable's input layout: how the host writes the input tensor into
** the chip's DRAM, its size, the loader's check of its fields, and the
** quantization of a batch of raw samples with the executable's input map.
**
** Contract
** - AN_NPU_IN_NHWC: the samples as they come, h*w*c bytes each.
** - AN_NPU_IN_IM2COL (the first convolution's input, as NVDLA's image-input
**   mode and Gemmini's host-side im2col of the first layer): per sample, per
**   output pixel of that convolution in row-major order, rows_per_px rows of
**   row_bytes: the kh x kw x c window in OHWI order (the zero point where
**   the window leaves the image), then the zero point to the end of the
**   rows. Each conv tile's input is then one contiguous DMA.
** - AN_NPU_IN_KROW (the same conv, as kernel-row elements, docs/npu.md): per
**   sample, per row of the conv's padded input and per output column, the
**   kw x c bytes of that row the column's window covers (the zero point
**   outside the image), padded with the zero point to rows_per_px rows of
**   row_bytes. A tile's input is then whole rows of one contiguous DMA, and
**   each input row is written once, not once per output row it feeds.
** - an_npu_write_input is the one writer every backend uses; it touches
**   only [input.dram, input.dram + batch * npu_input_bytes(x)).
*/
#include "npu_internal.h"

#include <string.h>

/* One sample's im2col rows from its NHWC bytes. */
static void im2col_sample(const an_tensor *t, const an_npu_input_layout *l, const int8_t *in,
                          uint8_t *out) {
    const int64_t px_bytes = (int64_t)l->rows_per_px * l->row_bytes;
    memset(out, (uint8_t)(int8_t)t->zero_point, (size_t)(px_bytes * l->oh * l->ow));
    for (int32_t oy = 0; oy < l->oh; oy++)
        for (int32_t ox = 0; ox < l->ow; ox++) {
            uint8_t *px = out + ((int64_t)oy * l->ow + ox) * px_bytes;
            for (int32_t ky = 0; ky < l->kh; ky++) {
                const int64_t iy = (int64_t)oy * l->sh - l->pt + ky;
                if (iy < 0 || iy >= t->h) continue;
                for (int32_t kx = 0; kx < l->kw; kx++) {
                    const int64_t ix = (int64_t)ox * l->sw - l->pl + kx;
                    if (ix < 0 || ix >= t->w) continue;
                    memcpy(px + ((int64_t)ky * l->kw + kx) * t->c, in + (iy * t->w + ix) * t->c,
                           (size_t)t->c);
                }
            }
        }
}

/* One sample's kernel-row elements from its NHWC bytes. */
static void krow_sample(const an_tensor *t, const an_npu_input_layout *l, const int8_t *in,
                        uint8_t *out) {
    const int64_t el = (int64_t)l->rows_per_px * l->row_bytes, rows = npu_input_krows(l);
    memset(out, (uint8_t)(int8_t)t->zero_point, (size_t)(el * l->ow * rows));
    for (int64_t r = 0; r < rows; r++) {
        const int64_t iy = r - l->pt;
        if (iy < 0 || iy >= t->h) continue;
        for (int32_t ox = 0; ox < l->ow; ox++)
            for (int32_t kx = 0; kx < l->kw; kx++) {
                const int64_t ix = (int64_t)ox * l->sw - l->pl + kx;
                if (ix >= 0 && ix < t->w)
                    memcpy(out + (r * l->ow + ox) * el + (int64_t)kx * t->c,
                           in + (iy * t->w + ix) * t->c, (size_t)t->c);
            }
    }
}

void an_npu_write_input(const an_npu_exe *x, const int8_t *in, uint8_t *dram) {
    const an_tensor *t = &x->input;
    const int64_t F = (int64_t)t->h * t->w * t->c, bytes = npu_input_bytes(x);
    const int lay = x->in_layout.layout;
    if (lay != AN_NPU_IN_IM2COL && lay != AN_NPU_IN_KROW) {
        memcpy(dram + t->dram, in, (size_t)(F * x->batch));
        return;
    }
    for (int32_t b = 0; b < x->batch; b++)
        (lay == AN_NPU_IN_KROW ? krow_sample : im2col_sample)(t, &x->in_layout, in + b * F,
                                                              dram + t->dram + b * bytes);
}

#define BAD(...) an_fail(AN_ERR_FORMAT, __VA_ARGS__)

/* The largest window side or stride of the im2col input layout the loader
** accepts: the host writes those rows, no instruction field limits them;
** this bounds what a corrupt file can ask of the host. */
#define IN_MAX_WINDOW 255

an_status npu_input_layout_check(const an_npu_exe *x) {
    const an_npu_input_layout *l = &x->in_layout;
    const an_tensor *t = &x->input;
    if (l->layout == AN_NPU_IN_NHWC) {
        if (l->kh || l->kw || l->sh || l->sw || l->pt || l->pl || l->oh || l->ow || l->row_bytes ||
            l->rows_per_px)
            return BAD("%s: section TENS: input layout nhwc with im2col fields set", x->source);
        return AN_OK;
    }
    if (l->layout != AN_NPU_IN_IM2COL && l->layout != AN_NPU_IN_KROW)
        return BAD("%s: section TENS: field input layout = %d (0 nhwc, 1 im2col or 2 krow)",
                   x->source, l->layout);
    const char *nm = l->layout == AN_NPU_IN_KROW ? "krow" : "im2col";
    if (l->kh < 1 || l->kw < 1 || l->sh < 1 || l->sw < 1 || l->kh > IN_MAX_WINDOW ||
        l->kw > IN_MAX_WINDOW || l->sh > IN_MAX_WINDOW || l->sw > IN_MAX_WINDOW || l->pt < 0 ||
        l->pt >= l->kh || l->pl < 0 || l->pl >= l->kw)
        return BAD("%s: section TENS: input %s window %dx%d stride %dx%d padding %d,%d "
                   "invalid",
                   x->source, nm, l->kh, l->kw, l->sh, l->sw, l->pt, l->pl);
    if (l->oh < 1 || l->ow < 1 || l->oh > 65536 || l->ow > 65536 ||
        (int64_t)(l->oh - 1) * l->sh - l->pt >= t->h ||
        (int64_t)(l->ow - 1) * l->sw - l->pl >= t->w)
        return BAD("%s: section TENS: input %s field oh/ow = %d/%d: windows leave the %dx%d "
                   "input",
                   x->source, nm, l->oh, l->ow, t->h, t->w);
    const int64_t k = (int64_t)(l->layout == AN_NPU_IN_KROW ? 1 : l->kh) * l->kw * t->c;
    if (l->row_bytes < 1 || l->rows_per_px < 1 || l->row_bytes != x->cfg.rows ||
        l->rows_per_px != (k + l->row_bytes - 1) / l->row_bytes)
        return BAD("%s: section TENS: input %s field row_bytes/rows_per_px = %d/%d (the "
                   "chip's %d rows need %d/%lld)",
                   x->source, nm, l->row_bytes, l->rows_per_px, x->cfg.rows, x->cfg.rows,
                   (long long)((k + x->cfg.rows - 1) / x->cfg.rows));
    if ((int64_t)l->rows_per_px * l->row_bytes > (INT64_C(1) << 26) ||
        npu_input_bytes(x) > (INT64_C(1) << 26))
        return BAD("%s: section TENS: input %s rows take more than %lld bytes per sample",
                   x->source, nm, (long long)(INT64_C(1) << 26));
    return AN_OK;
}

int an_npu_quantize_batch(const an_npu_exe *x, const an_dataset *raw, int64_t at, int8_t *q) {
    const int64_t F = (int64_t)x->input.h * x->input.w * x->input.c;
    const int B = x->batch;
    const int n = (int)(raw->n - at < B ? raw->n - at : B);
    /* the input map as a graph input, to reuse the quantizer's exact rounding */
    const an_q_graph qin = {.input = {x->input.h, x->input.w, x->input.c, x->input.scale,
                                      x->input.zero_point, x->n_affine, x->in_mul, x->in_add}};
    an_q_quantize_input(&qin, raw->x + at * F, n, q);
    for (int b = n; b < B; b++) memcpy(q + (size_t)b * F, q, (size_t)F);
    return n;
}
