/*
** Max and average pooling over NHWC tensors, each channel on its own.
**
** Contract
** - A window covers input rows oh*SH - PT + [0, KH) and columns
**   ow*SW - PL + [0, KW); cells outside the input (padding) take no part:
**   max pooling ignores them and average pooling divides by the number of
**   valid cells. A window with no valid cell gives 0 (argmax -1).
** - argmax [B, OH, OW, C] holds, per output, the flat index into the whole
**   in [B, H, W, C] tensor of the first maximal cell (scan order kh, kw).
**   Backward gives each input cell the sum of dout over the outputs whose
**   argmax it is (0 for the others): with overlapping windows by zeroing
**   din and scattering with +=, ignoring indices outside the output's own
**   sample; with disjoint windows (stride >= window, the usual 2x2/2) in
**   one write pass where each cell checks the one window covering it.
** - Forward kernels split output rows over OpenMP threads; backward kernels
**   split samples, each sample's din written by one thread in a fixed order,
**   so results do not depend on scheduling.
** - Limit: B*H*W*C must fit in an int32 (the argmax type).
*/
#include "nn/kernels.h"

#include <string.h>

/* Parallelise a loop only when it touches at least this many floats. */
#define PAR_MIN_FLOATS 32768

void nn_maxpool_forward(float *out, int32_t *argmax, const float *in, const nn_window *g) {
    const int H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
    const int rows = g->B * OH;
    const size_t img = (size_t)H * W * C;
#pragma omp parallel for schedule(static) if ((size_t)g->B * img >= PAR_MIN_FLOATS)
    for (int r = 0; r < rows; r++) {
        const int b = r / OH, oh = r % OH;
        const int ih0 = oh * g->SH - g->PT;
        int kh0, kh1;
        nn_taps(ih0, g->KH, H, &kh0, &kh1);
        for (int ow = 0; ow < OW; ow++) {
            const size_t o_at = ((size_t)r * OW + ow) * C;
            float *o = out + o_at;                      /* [C] */
            int32_t *a = argmax ? argmax + o_at : NULL; /* [C] or NULL */
            const int iw0 = ow * g->SW - g->PL;
            int kw0, kw1;
            nn_taps(iw0, g->KW, W, &kw0, &kw1);
            int first = 1;
            for (int kh = kh0; kh < kh1; kh++) {
                for (int kw = kw0; kw < kw1; kw++) {
                    const size_t at = (size_t)b * img + ((size_t)(ih0 + kh) * W + iw0 + kw) * C;
                    const float *x = in + at; /* [C] */
                    if (first && a) {
#pragma omp simd
                        for (int c = 0; c < C; c++) {
                            o[c] = x[c];
                            a[c] = (int32_t)at + c;
                        }
                    } else if (first) {
#pragma omp simd
                        for (int c = 0; c < C; c++) o[c] = x[c];
                    } else if (a) {
                        const int32_t base = (int32_t)at;
#pragma omp simd
                        for (int c = 0; c < C; c++) {
                            /* branch-free select (a mask), which vectorises */
                            const float xv = x[c], ov = o[c];
                            const int32_t av = a[c], m = -(int32_t)(xv > ov);
                            o[c] = xv > ov ? xv : ov;
                            a[c] = ((base + c) & m) | (av & ~m);
                        }
                    } else {
#pragma omp simd
                        for (int c = 0; c < C; c++) {
                            const float xv = x[c], ov = o[c];
                            o[c] = xv > ov ? xv : ov;
                        }
                    }
                    first = 0;
                }
            }
            if (first) { /* no valid cell */
                for (int c = 0; c < C; c++) {
                    o[c] = 0.0f;
                    if (a) a[c] = -1;
                }
            }
        }
    }
}

/* Window (along one axis) that covers input cell i when windows do not
** overlap (stride >= window): its index, or -1 when no window covers i. */
static inline int covering_window(int i, int pad, int stride, int k, int n_out) {
    const int t = i + pad;
    if (t < 0 || t % stride >= k || t / stride >= n_out) return -1;
    return t / stride;
}

/* x [C] = dy where am == at + c (x was the argmax), else 0. */
static inline void take_if_argmax(float *restrict x, const float *restrict dy,
                                  const int32_t *restrict am, int32_t at, int C) {
#pragma omp simd
    for (int c = 0; c < C; c++) {
        const float v = dy[c];
        x[c] = am[c] == at + c ? v : 0.0f;
    }
}

/* Non-overlapping windows: every input cell belongs to at most one window,
** so din is written in one pass, each cell taking dout where it was the
** argmax and 0 elsewhere (no zeroing pass, no scatter). Along a row the
** windows are walked in order, gaps between them zeroed. */
static void maxpool_backward_disjoint(float *din, const float *dout, const int32_t *argmax,
                                      const nn_window *g) {
    const int H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
    const int rows = g->B * H;
#pragma omp parallel for schedule(static) if ((size_t)rows * W * C >= PAR_MIN_FLOATS)
    for (int r = 0; r < rows; r++) {
        const int b = r / H, ih = r % H;
        float *d = din + (size_t)r * W * C; /* [W, C]: input row (b, ih) */
        const int oh = covering_window(ih, g->PT, g->SH, g->KH, OH);
        if (oh < 0) {
            memset(d, 0, (size_t)W * C * sizeof(float));
            continue;
        }
        const size_t o_row = ((size_t)b * OH + oh) * OW; /* first output of the row */
        int iw = 0;                                      /* cells [0, iw) are written */
        for (int ow = 0; ow < OW; ow++) {
            const int s = ow * g->SW - g->PL; /* first cell of window ow */
            if (s > iw) {
                const int gap_end = s < W ? s : W;
                memset(d + (size_t)iw * C, 0, (size_t)(gap_end - iw) * C * sizeof(float));
            }
            int k0, k1;
            nn_taps(s, g->KW, W, &k0, &k1);
            for (int kw = k0; kw < k1; kw++) {
                const size_t o = (o_row + ow) * C;
                take_if_argmax(d + (size_t)(s + kw) * C, dout + o, argmax + o,
                               (int32_t)(((size_t)r * W + s + kw) * C), C);
            }
            iw = s + g->KW > iw ? s + g->KW : iw;
        }
        if (iw < W) memset(d + (size_t)iw * C, 0, (size_t)(W - iw) * C * sizeof(float));
    }
}

void nn_maxpool_backward(float *din, const float *dout, const int32_t *argmax, const nn_window *g) {
    if (g->SH >= g->KH && g->SW >= g->KW) {
        maxpool_backward_disjoint(din, dout, argmax, g);
        return;
    }
    const size_t img = (size_t)g->H * g->W * g->C;
    const size_t oimg = (size_t)g->OH * g->OW * g->C;
#pragma omp parallel for schedule(static) if ((size_t)g->B * img >= PAR_MIN_FLOATS)
    for (int b = 0; b < g->B; b++) {
        const size_t lo = (size_t)b * img;
        float *d = din + lo; /* [H, W, C] of sample b */
        memset(d, 0, img * sizeof(float));
        const float *dy = dout + (size_t)b * oimg;     /* [OH, OW, C] */
        const int32_t *am = argmax + (size_t)b * oimg; /* [OH, OW, C] */
        for (size_t i = 0; i < oimg; i++) {
            const size_t at = (size_t)am[i] - lo; /* wraps high when below lo */
            if (am[i] >= 0 && at < img) d[at] += dy[i];
        }
    }
}

void nn_avgpool_forward(float *out, const float *in, const nn_window *g) {
    const int H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
    const int rows = g->B * OH;
    const size_t img = (size_t)H * W * C;
#pragma omp parallel for schedule(static) if ((size_t)g->B * img >= PAR_MIN_FLOATS)
    for (int r = 0; r < rows; r++) {
        const int b = r / OH, oh = r % OH;
        const int ih0 = oh * g->SH - g->PT;
        int kh0, kh1;
        nn_taps(ih0, g->KH, H, &kh0, &kh1);
        for (int ow = 0; ow < OW; ow++) {
            float *o = out + ((size_t)r * OW + ow) * C; /* [C] */
            const int iw0 = ow * g->SW - g->PL;
            int kw0, kw1;
            nn_taps(iw0, g->KW, W, &kw0, &kw1);
            for (int c = 0; c < C; c++) o[c] = 0.0f;
            int count = 0;
            for (int kh = kh0; kh < kh1; kh++) {
                for (int kw = kw0; kw < kw1; kw++, count++) {
                    const float *x =
                        in + (size_t)b * img + ((size_t)(ih0 + kh) * W + iw0 + kw) * C; /* [C] */
#pragma omp simd
                    for (int c = 0; c < C; c++) o[c] += x[c];
                }
            }
            const float inv = count > 0 ? 1.0f / (float)count : 0.0f;
#pragma omp simd
            for (int c = 0; c < C; c++) o[c] *= inv;
        }
    }
}

void nn_avgpool_backward(float *din, const float *dout, const nn_window *g) {
    const int H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
    const size_t img = (size_t)H * W * C;
#pragma omp parallel for schedule(static) if ((size_t)g->B * img >= PAR_MIN_FLOATS)
    for (int b = 0; b < g->B; b++) {
        float *d = din + (size_t)b * img; /* [H, W, C] of sample b */
        memset(d, 0, img * sizeof(float));
        for (int oh = 0; oh < OH; oh++) {
            const int ih0 = oh * g->SH - g->PT;
            int kh0, kh1;
            nn_taps(ih0, g->KH, H, &kh0, &kh1);
            for (int ow = 0; ow < OW; ow++) {
                const float *dy = dout + (((size_t)b * OH + oh) * OW + ow) * C; /* [C] */
                const int iw0 = ow * g->SW - g->PL;
                int kw0, kw1;
                nn_taps(iw0, g->KW, W, &kw0, &kw1);
                const int count = (kh1 - kh0) * (kw1 - kw0);
                if (kh1 <= kh0 || kw1 <= kw0) continue;
                const float inv = 1.0f / (float)count;
                for (int kh = kh0; kh < kh1; kh++) {
                    for (int kw = kw0; kw < kw1; kw++) {
                        float *x = d + ((size_t)(ih0 + kh) * W + iw0 + kw) * C; /* [C] */
#pragma omp simd
                        for (int c = 0; c < C; c++) x[c] += dy[c] * inv;
                    }
                }
            }
        }
    }
}
