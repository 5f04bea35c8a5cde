/*
** The integer reference engine's kernels: the golden model. Each kernel
** computes one sample with the most direct loops that express the
** semantics in docs/quantization.md; no tiling, no SIMD, no reordering that
** could hide a mistake. Every intermediate is an exact integer (the graph
** validator guarantees the int32 accumulators cannot overflow).
*/
#include "quant_internal.h"

/* A conv of G groups: output channel oc reads the CG = C / G input channels
** from (oc / (OC / G)) * CG, its weights [KH, KW, CG]; G = 1 is a dense conv. */
void q_ref_conv2d(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    const int H = in->h, W = in->w, C = in->c, zp_in = in->zero_point;
    const int CG = C / l->groups, OCG = l->c / l->groups;
    for (int oy = 0; oy < l->h; oy++) {
        for (int ox = 0; ox < l->w; ox++) {
            for (int oc = 0; oc < l->c; oc++) {
                int32_t acc = l->bias[oc];
                const int8_t *w = l->weights + (int64_t)oc * l->k; /* [KH, KW, CG] */
                const int c0 = (oc / OCG) * CG;                    /* the group's first channel */
                for (int ky = 0; ky < l->kh; ky++) {
                    for (int kx = 0; kx < l->kw; kx++) {
                        const int iy = oy * l->sh - l->pt + ky;
                        const int ix = ox * l->sw - l->pl + kx;
                        const int inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                        for (int ic = 0; ic < CG; ic++) {
                            /* padding cells hold the input zero point */
                            const int32_t v =
                                inside ? x[((int64_t)iy * W + ix) * C + c0 + ic] : zp_in;
                            acc += v * (int32_t)w[((int64_t)ky * l->kw + kx) * CG + ic];
                        }
                    }
                }
                y[((int64_t)oy * l->w + ox) * l->c + oc] = q_requant(
                    acc, l->mult[oc], l->shift[oc], l->zero_point, l->act_min, l->act_max);
            }
        }
    }
}

void q_ref_dense(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    (void)in;
    for (int n = 0; n < l->c; n++) {
        int32_t acc = l->bias[n];
        const int8_t *w = l->weights + (int64_t)n * l->k; /* [K] */
        for (int k = 0; k < l->k; k++) acc += (int32_t)x[k] * (int32_t)w[k];
        y[n] = q_requant(acc, l->mult[n], l->shift[n], l->zero_point, l->act_min, l->act_max);
    }
}

void q_ref_maxpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    const int W = in->w, C = in->c;
    for (int oy = 0; oy < l->h; oy++) {
        for (int ox = 0; ox < l->w; ox++) {
            const int y0 = oy * l->sh - l->pt, x0 = ox * l->sw - l->pl;
            int ky0, ky1, kx0, kx1;
            q_taps(y0, l->kh, in->h, &ky0, &ky1);
            q_taps(x0, l->kw, W, &kx0, &kx1);
            for (int c = 0; c < C; c++) {
                int32_t m = -128;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        const int32_t v = x[((int64_t)(y0 + ky) * W + x0 + kx) * C + c];
                        if (v > m) m = v;
                    }
                y[((int64_t)oy * l->w + ox) * C + c] = (int8_t)m;
            }
        }
    }
}

void q_ref_avgpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    const int W = in->w, C = in->c;
    for (int oy = 0; oy < l->h; oy++) {
        for (int ox = 0; ox < l->w; ox++) {
            const int y0 = oy * l->sh - l->pt, x0 = ox * l->sw - l->pl;
            int ky0, ky1, kx0, kx1;
            q_taps(y0, l->kh, in->h, &ky0, &ky1);
            q_taps(x0, l->kw, W, &kx0, &kx1);
            const int32_t count = (ky1 - ky0) * (kx1 - kx0); /* >= 1 (validated) */
            for (int c = 0; c < C; c++) {
                int32_t sum = 0;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++)
                        sum += x[((int64_t)(y0 + ky) * W + x0 + kx) * C + c];
                y[((int64_t)oy * l->w + ox) * C + c] = q_avg_round(sum, count);
            }
        }
    }
}

void q_ref_add(const an_q_layer *l, const an_tensor *a, const an_tensor *b, const int8_t *xa,
               const int8_t *xb, int8_t *y) {
    const int64_t n = (int64_t)l->h * l->w * l->c;
    for (int64_t i = 0; i < n; i++) {
        const int32_t va = ((int32_t)xa[i] - a->zero_point) * (1 << AN_Q_ADD_LEFT_SHIFT);
        const int32_t vb = ((int32_t)xb[i] - b->zero_point) * (1 << AN_Q_ADD_LEFT_SHIFT);
        const int32_t sa = an_q_mul_by_quantized(va, l->add_mult[0], l->add_shift[0]);
        const int32_t sb = an_q_mul_by_quantized(vb, l->add_mult[1], l->add_shift[1]);
        y[i] = q_requant(sa + sb, l->add_mult[2], l->add_shift[2], l->zero_point, l->act_min,
                         l->act_max);
    }
}

void an_q_ref_layer(const an_q_layer *l, const an_tensor in[2], const int8_t *const x[2],
                    int8_t *y) {
    switch (l->op) {
    case AN_Q_MAXPOOL:
        q_ref_maxpool(l, &in[0], x[0], y);
        break;
    case AN_Q_AVGPOOL:
        q_ref_avgpool(l, &in[0], x[0], y);
        break;
    case AN_Q_ADD:
        q_ref_add(l, &in[0], &in[1], x[0], x[1], y);
        break;
    default:
        break;
    }
}
