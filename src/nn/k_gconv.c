/*
** Grouped and depthwise 2-D convolution (groups G > 1), NHWC input, weights
** [KH, KW, C/G, OC] (HWIO with I = C/G; for depthwise with multiplier 1 the
** layout of Keras' DepthwiseConv2D kernel [KH, KW, C, 1]), by direct loops.
**
** Contract
** - Output channel oc belongs to group oc / (OC/G) and reads the C/G input
**   channels from that group's first, (oc / (OC/G)) * (C/G); padding cells
**   are 0. G = 1 would be an ordinary conv (k_conv.c runs those).
** - Forward: out = bias + sum over taps and the group's channels, each
**   output pixel's channels innermost (contiguous weights, so depthwise is
**   one vectorizable multiply-add per channel per tap), then clamped to
**   [lo, hi]. Rows of outputs are split over OpenMP threads.
** - Backward: db and dw are split over threads by output channel (each
**   thread owns its channels, summing over every sample and pixel in a
**   fixed order); din over input rows (b, ih), each gathered from the
**   outputs that read it in a fixed (kh, kw) order. Results therefore do
**   not depend on the thread count. A NULL din, dw or db skips that part.
** - No scratch. The im2col + sgemm of k_conv.c would multiply mostly zero
**   blocks here (a 1/G dense product); a depthwise layer is cheap enough
**   in flops that direct loops keep up.
*/
#include "nn/kernels.h"

#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <string.h>

/* Parallelise only from this many multiply-adds: below it, waking the team
** (and, on a busy machine, waiting at the barrier for a descheduled thread)
** costs more than the loop (measured on a busy machine: a small depthwise
** network at batch 32 trained several times slower on two threads than on
** one with a 64K threshold, as fast as its dense twin with this one). */
#define PAR_MIN_MACS (4 << 20)

/* The taps of output (oh, ow)'s window that fall inside the input: rows
** ih0 + [kh0, kh1), columns iw0 + [kw0, kw1). The forward pass and the
** weight gradient walk a window through it. */
typedef struct window_taps {
    int ih0, iw0, kh0, kh1, kw0, kw1;
} window_taps;

static window_taps taps_of(const nn_window *g, int oh, int ow) {
    window_taps t = {.ih0 = oh * g->SH - g->PT, .iw0 = ow * g->SW - g->PL};
    nn_taps(t.ih0, g->KH, g->H, &t.kh0, &t.kh1);
    nn_taps(t.iw0, g->KW, g->W, &t.kw0, &t.kw1);
    return t;
}

/* acc [OC] += the taps of output (oh, ow) of sample src [H, W, C]. */
static void gconv_pixel(float *restrict acc, const float *src, const float *w, const nn_window *g,
                        int OC, int G, int oh, int ow) {
    const int CG = g->C / G, OCG = OC / G;
    const window_taps t = taps_of(g, oh, ow);
    for (int kh = t.kh0; kh < t.kh1; kh++) {
        for (int kw = t.kw0; kw < t.kw1; kw++) {
            const float *x = src + ((size_t)(t.ih0 + kh) * g->W + (t.iw0 + kw)) * g->C; /* [C] */
            const float *wt = w + (size_t)(kh * g->KW + kw) * CG * OC; /* [CG, OC] */
            if (CG == 1 && OCG == 1) {
#pragma omp simd
                for (int oc = 0; oc < OC; oc++) acc[oc] += x[oc] * wt[oc];
                continue;
            }
            for (int gi = 0; gi < G; gi++)
                for (int ic = 0; ic < CG; ic++) {
                    const float v = x[gi * CG + ic];
                    const float *wr = wt + (size_t)ic * OC + gi * OCG;
                    float *a = acc + gi * OCG;
#pragma omp simd
                    for (int o = 0; o < OCG; o++) a[o] += v * wr[o];
                }
        }
    }
}

void nn_gconv2d_rows(float *out, const float *in, const float *w, const float *b,
                     const nn_window *g, int OC, int G, int r0, int r1, float lo, float hi) {
    for (int r = r0; r < r1; r++) {
        const int bi = r / g->OH, oh = r % g->OH;
        const float *src = in + (size_t)bi * g->H * g->W * g->C;
        for (int ow = 0; ow < g->OW; ow++) {
            float *o = out + ((size_t)r * g->OW + ow) * OC; /* [OC] */
            if (b)
                memcpy(o, b, (size_t)OC * sizeof *o);
            else
                memset(o, 0, (size_t)OC * sizeof *o);
            gconv_pixel(o, src, w, g, OC, G, oh, ow);
            for (int oc = 0; oc < OC; oc++) o[oc] = o[oc] < lo ? lo : o[oc] > hi ? hi : o[oc];
        }
    }
}

void nn_gconv2d_forward(float *out, const float *in, const float *w, const float *b,
                        const nn_window *g, int OC, int G) {
    const int rows = g->B * g->OH;
    const double macs = (double)rows * g->OW * g->KH * g->KW * (g->C / G) * OC;
#pragma omp parallel if (macs >= PAR_MIN_MACS)
    {
        const int t = omp_get_thread_num(), n = omp_get_num_threads();
        nn_gconv2d_rows(out, in, w, b, g, OC, G, (int)((int64_t)rows * t / n),
                        (int)((int64_t)rows * (t + 1) / n), -INFINITY, INFINITY);
    }
}

/* dw [KH, KW, CG, OC] and db [OC] for output channels [o0, o1). */
static void gconv_dw(float *dw, float *db, const float *dout, const float *in, const nn_window *g,
                     int OC, int G, int o0, int o1) {
    const int CG = g->C / G, OCG = OC / G;
    for (int b = 0; b < g->B; b++) {
        const float *src = in + (size_t)b * g->H * g->W * g->C;
        for (int oh = 0; oh < g->OH; oh++)
            for (int ow = 0; ow < g->OW; ow++) {
                const float *d = dout + (((size_t)b * g->OH + oh) * g->OW + ow) * OC; /* [OC] */
                if (db)
                    for (int oc = o0; oc < o1; oc++) db[oc] += d[oc];
                if (!dw) continue;
                const window_taps t = taps_of(g, oh, ow);
                for (int kh = t.kh0; kh < t.kh1; kh++) {
                    for (int kw = t.kw0; kw < t.kw1; kw++) {
                        const float *x = src + ((size_t)(t.ih0 + kh) * g->W + (t.iw0 + kw)) * g->C;
                        float *wt = dw + (size_t)(kh * g->KW + kw) * CG * OC; /* [CG, OC] */
                        if (CG == 1 && OCG == 1) { /* depthwise: channel oc reads channel oc */
#pragma omp simd
                            for (int oc = o0; oc < o1; oc++) wt[oc] += x[oc] * d[oc];
                            continue;
                        }
                        /* [o0, o1) a group's part at a time: one input value per (gi, ic) */
                        for (int oc = o0; oc < o1;) {
                            const int gi = oc / OCG;
                            const int oe = (gi + 1) * OCG < o1 ? (gi + 1) * OCG : o1;
                            for (int ic = 0; ic < CG; ic++) {
                                const float v = x[gi * CG + ic];
                                float *wr = wt + (size_t)ic * OC;
#pragma omp simd
                                for (int o = oc; o < oe; o++) wr[o] += v * d[o];
                            }
                            oc = oe;
                        }
                    }
                }
            }
    }
}

/* din row (b, ih) [W, C] gathered from the outputs whose windows read it. */
static void gconv_din_row(float *din, const float *dout, const float *w, const nn_window *g, int OC,
                          int G, int r) {
    const int CG = g->C / G, OCG = OC / G, b = r / g->H, ih = r % g->H;
    float *drow = din + (size_t)r * g->W * g->C; /* [W, C] */
    memset(drow, 0, (size_t)g->W * g->C * sizeof *drow);
    for (int kh = 0; kh < g->KH; kh++) {
        const int t = ih + g->PT - kh; /* = oh * SH when output row oh reads row ih */
        if (t < 0 || t % g->SH != 0 || t / g->SH >= g->OH) continue;
        const int oh = t / g->SH;
        for (int ow = 0; ow < g->OW; ow++) {
            const float *d = dout + (((size_t)b * g->OH + oh) * g->OW + ow) * OC; /* [OC] */
            const int iw0 = ow * g->SW - g->PL;
            int kw0, kw1;
            nn_taps(iw0, g->KW, g->W, &kw0, &kw1);
            for (int kw = kw0; kw < kw1; kw++) {
                float *x = drow + (size_t)(iw0 + kw) * g->C;
                const float *wt = w + (size_t)(kh * g->KW + kw) * CG * OC; /* [CG, OC] */
                if (CG == 1 && OCG == 1) {                                 /* depthwise */
#pragma omp simd
                    for (int c = 0; c < g->C; c++) x[c] += d[c] * wt[c];
                    continue;
                }
                for (int gi = 0; gi < G; gi++)
                    for (int ic = 0; ic < CG; ic++) {
                        const float *wr = wt + (size_t)ic * OC + gi * OCG;
                        const float *dd = d + gi * OCG;
                        float s = 0;
                        for (int o = 0; o < OCG; o++) s += dd[o] * wr[o];
                        x[gi * CG + ic] += s;
                    }
            }
        }
    }
}

void nn_gconv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                         const float *w, const nn_window *g, int OC, int G) {
    const double macs = (double)g->B * g->OH * g->OW * g->KH * g->KW * (g->C / G) * OC;
    if (dw || db) {
#pragma omp parallel if (macs >= PAR_MIN_MACS)
        {
            const int t = omp_get_thread_num(), n = omp_get_num_threads();
            const int o0 = (int)((int64_t)OC * t / n), o1 = (int)((int64_t)OC * (t + 1) / n);
            if (o1 > o0) gconv_dw(dw, db, dout, in, g, OC, G, o0, o1);
        }
    }
    if (!din) return;
    const int rows = g->B * g->H;
#pragma omp parallel for schedule(static) if (macs >= PAR_MIN_MACS)
    for (int r = 0; r < rows; r++) gconv_din_row(din, dout, w, g, OC, G, r);
}
