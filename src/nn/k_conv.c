/*
** 2-D convolution, NHWC input, HWIO weights, by im2col and one OpenBLAS
** sgemm over the whole batch.
**
** Contract
** - Forward: col [B*OH*OW, KH*KW*C] (im2col of in, zeros for padding
**   cells) times w viewed as [KH*KW*C, OC] gives out [B*OH*OW, OC], which is
**   already NHWC. out is overwritten.
** - Backward: col is rebuilt from in, dw += col^T @ dout, db += column sums
**   of dout, then (only when din is not NULL) the same scratch receives
**   dcol = dout @ w^T, which col2im gathers into din (overwritten). A NULL
**   dw or db skips that part (a frozen layer).
** - One scratch buffer of nn_conv2d_scratch() floats serves as col and then
**   dcol; a pointwise conv (1x1, stride 1, no padding) needs none beyond a
**   placeholder and multiplies in/din directly.
** - im2col and col2im split their rows over OpenMP threads; each output
**   element is written by one thread in a fixed order, so results do not
**   depend on scheduling. OpenBLAS threads the sgemm calls.
** - Limits: B*OH*OW, KH*KW*C and OC must each fit in an int (cblas).
*/
#include "nn/kernels.h"

#include <cblas.h>
#include <string.h>

/* Parallelise a loop only when it moves at least this many floats: below
** it, waking the OpenMP team costs more than the loop. */
#define PAR_MIN_FLOATS 32768

/* True when the convolution reads in exactly as its col matrix. */
static int is_pointwise(const nn_window *g) {
    return g->KH == 1 && g->KW == 1 && g->SH == 1 && g->SW == 1 && g->PT == 0 && g->PL == 0 &&
           g->OH == g->H && g->OW == g->W;
}

size_t nn_conv2d_scratch(const nn_window *g, int OC) {
    (void)OC;
    if (is_pointwise(g)) return 1;
    size_t rows = (size_t)g->B * (size_t)g->OH * (size_t)g->OW;
    size_t kk = (size_t)g->KH * (size_t)g->KW * (size_t)g->C;
    size_t n = rows * kk;
    return n > 0 ? n : 1;
}

/* d[0..n) = s[0..n). Short rows (C = 1 first layers) are common, where a
** memcpy call would cost more than the copy. */
static inline void copy_floats(float *restrict d, const float *restrict s, int n) {
    if (n >= 64) {
        memcpy(d, s, (size_t)n * sizeof(float));
        return;
    }
#pragma omp simd
    for (int i = 0; i < n; i++) d[i] = s[i];
}

static inline void zero_floats(float *d, int n) {
#pragma omp simd
    for (int i = 0; i < n; i++) d[i] = 0.0f;
}

/* d[0..n) += s[0..n). */
static inline void add_floats(float *restrict d, const float *restrict s, int n) {
#pragma omp simd
    for (int i = 0; i < n; i++) d[i] += s[i];
}

/* col [B*OH*OW, KH*KW*C] from in [B, H, W, C]; padding cells become 0.
** Row (b, oh, ow) holds the window at that output in (kh, kw, c) order,
** which matches the HWIO weight layout flattened to [KH*KW*C, OC]. */
static void im2col(float *col, const float *in, const nn_window *g) {
    const int H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
    const int KH = g->KH, KW = g->KW, SH = g->SH, SW = g->SW, PT = g->PT, PL = g->PL;
    const int rows = g->B * OH, kwc = KW * C;
    const size_t kk = (size_t)KH * (size_t)kwc;
    const size_t img = (size_t)H * W * C;
#pragma omp parallel for schedule(static) if ((size_t)rows * OW * kk >= PAR_MIN_FLOATS)
    for (int r = 0; r < rows; r++) {
        const int b = r / OH, oh = r % OH;
        const float *src = in + (size_t)b * img;        /* [H, W, C] of sample b */
        float *dst = col + (size_t)r * (size_t)OW * kk; /* [OW, KH*KW*C] */
        for (int ow = 0; ow < OW; ow++) {
            const int iw0 = ow * SW - PL;
            const int inside = iw0 >= 0 && iw0 + KW <= W;
            for (int kh = 0; kh < KH; kh++) {
                const int ih = oh * SH - PT + kh;
                float *d = dst + (size_t)ow * kk + (size_t)kh * kwc; /* [KW, C] */
                if (ih < 0 || ih >= H) {
                    zero_floats(d, kwc);
                } else if (inside) {
                    copy_floats(d, src + ((size_t)ih * W + iw0) * C, kwc);
                } else {
                    for (int kw = 0; kw < KW; kw++) {
                        const int iw = iw0 + kw;
                        if (iw < 0 || iw >= W)
                            zero_floats(d + kw * C, C);
                        else
                            copy_floats(d + kw * C, src + ((size_t)ih * W + iw) * C, C);
                    }
                }
            }
        }
    }
}

/* din [B, H, W, C] = sum of the dcol [B*OH*OW, KH*KW*C] entries that im2col
** copied from each input cell (the adjoint of im2col). Each thread owns whole
** input rows (b, ih) and gathers into them in a fixed (kh, ow, kw) order. */
static void col2im(float *din, const float *dcol, const nn_window *g) {
    const int H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
    const int KH = g->KH, KW = g->KW, SH = g->SH, SW = g->SW, PT = g->PT, PL = g->PL;
    const int rows = g->B * H, kwc = KW * C;
    const size_t kk = (size_t)KH * (size_t)kwc;
#pragma omp parallel for schedule(static) if ((size_t)g->B * OH * OW * kk >= PAR_MIN_FLOATS)
    for (int r = 0; r < rows; r++) {
        const int b = r / H, ih = r % H;
        float *d = din + (size_t)r * W * C; /* [W, C]: input row (b, ih) */
        zero_floats(d, W * C);
        for (int kh = 0; kh < KH; kh++) {
            const int t = ih + PT - kh; /* = oh * SH when row oh used input row ih */
            if (t < 0 || t % SH != 0 || t / SH >= OH) continue;
            const int oh = t / SH;
            /* [OW, KH*KW*C] rows of output row (b, oh), at tap row kh */
            const float *c = dcol + ((size_t)b * OH + oh) * OW * kk + (size_t)kh * kwc;
            for (int ow = 0; ow < OW; ow++, c += kk) {
                const int iw0 = ow * SW - PL;
                if (iw0 >= 0 && iw0 + KW <= W) {
                    add_floats(d + (size_t)iw0 * C, c, kwc);
                    continue;
                }
                for (int kw = 0; kw < KW; kw++) {
                    const int iw = iw0 + kw;
                    if (iw >= 0 && iw < W) add_floats(d + (size_t)iw * C, c + kw * C, C);
                }
            }
        }
    }
}

void nn_conv2d_forward(float *out, const float *in, const float *w, const float *b,
                       const nn_window *g, int OC, float *scratch) {
    const int M = g->B * g->OH * g->OW;
    const int K = g->KH * g->KW * g->C;
    if (M <= 0 || OC <= 0) return;
    if (K <= 0) {
        memset(out, 0, (size_t)M * OC * sizeof(float));
        return;
    }
    const float *col = in; /* [M, K] */
    if (!is_pointwise(g)) {
        im2col(scratch, in, g);
        col = scratch;
    }
    float beta = 0.0f;
    if (b) {
        /* out [M, OC] starts as the bias; the sgemm adds col @ w to it. */
        for (int i = 0; i < M; i++) copy_floats(out + (size_t)i * OC, b, OC);
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, OC, K, 1.0f, col, K, w, OC, beta, out,
                OC);
}

void nn_conv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                        const float *w, const nn_window *g, int OC, float *scratch) {
    const int M = g->B * g->OH * g->OW;
    const int K = g->KH * g->KW * g->C;
    const size_t in_n = (size_t)g->B * g->H * g->W * g->C;
    if (M <= 0 || OC <= 0 || K <= 0) {
        if (din) memset(din, 0, in_n * sizeof(float));
        return;
    }
    if (db) nn_bias_grad(db, dout, M, OC);
    const int pointwise = is_pointwise(g);
    const float *col = in; /* [M, K] */
    if (!pointwise && dw) {
        im2col(scratch, in, g);
        col = scratch;
    }
    /* dw [K, OC] += col^T [K, M] @ dout [M, OC] */
    if (dw)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, OC, M, 1.0f, col, K, dout, OC, 1.0f,
                    dw, OC);
    if (!din) return;
    if (pointwise) {
        /* din [M, C] = dout [M, OC] @ w^T [OC, C] */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, OC, 1.0f, dout, OC, w, OC, 0.0f,
                    din, K);
        return;
    }
    /* dcol [M, K] = dout [M, OC] @ w^T [OC, K], over col, which is done with. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, OC, 1.0f, dout, OC, w, OC, 0.0f,
                scratch, K);
    col2im(din, scratch, g);
}
