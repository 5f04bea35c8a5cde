/*
** The per-sample NHWC ops of the fast float path around its GEMM (fk.h):
** the zero-padded copy a convolution reads, max and average pooling, the
** residual add and inference batchnorm, each with the clamp of a fused
** ReLU / ReLU6. Channels are innermost, so every inner loop is a SIMD loop
** over C, compiled for AVX-512, AVX2 and the baseline (GCC target clones,
** chosen when the program loads); max and sums per channel give the same
** values on each.
*/
#include "fk.h"
#include "nn/kernels.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define FK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define FK_CLONES
#endif

/* The valid cells of the window of output (oh, ow): rows y0 + [ky0, ky1),
** columns x0 + [kx0, kx1); full2: a whole 2x2 window. */
typedef struct cells {
    int y0, x0, ky0, ky1, kx0, kx1, full2;
} cells;
static inline cells window(const fk_win *g, int oh, int ow) {
    cells v = {.y0 = oh * g->SH - g->PT, .x0 = ow * g->SW - g->PL};
    nn_taps(v.y0, g->KH, g->H, &v.ky0, &v.ky1);
    nn_taps(v.x0, g->KW, g->W, &v.kx0, &v.kx1);
    v.full2 = g->KH == 2 && g->KW == 2 && v.ky0 == 0 && v.kx0 == 0 && v.ky1 == 2 && v.kx1 == 2;
    return v;
}

FK_CLONES void fk_pad_copy(float *dst, int Hp, int Wp, const float *src, const fk_win *g, int r0,
                           int r1) {
    const int C = g->C;
    int c0, c1; /* padded columns [c0, c1) hold source columns c0 - PL.. */
    nn_taps(-g->PL, Wp, g->W, &c0, &c1);
    for (int r = r0; r < r1 && r < Hp; r++) {
        const int iy = r - g->PT;
        if (iy < 0 || iy >= g->H || c1 <= c0) continue;
        float *d = dst + ((size_t)r * Wp + (size_t)c0) * C; /* [c1 - c0][C] */
        const float *s = src + ((size_t)iy * g->W + (size_t)(c0 - g->PL)) * C;
        const size_t n = (size_t)(c1 - c0) * C;
#pragma omp simd
        for (size_t i = 0; i < n; i++) d[i] = s[i];
    }
}

FK_CLONES void fk_maxpool(float *out, const float *in, const fk_win *g, int oh0, int oh1) {
    const int C = g->C;
    for (int oh = oh0; oh < oh1; oh++) {
        for (int ow = 0; ow < g->OW; ow++) {
            const cells v = window(g, oh, ow);
            const int y0 = v.y0, x0 = v.x0, ky0 = v.ky0, ky1 = v.ky1, kx0 = v.kx0, kx1 = v.kx1;
            float *o = out + ((size_t)oh * g->OW + ow) * C; /* [C] */
            if (v.full2) {
                const float *r0 = in + ((size_t)y0 * g->W + x0) * C; /* [2][C] */
                const float *r1 = r0 + (size_t)g->W * C;             /* window row 1 [2][C] */
#pragma omp simd
                for (int c = 0; c < C; c++) {
                    /* the reference's scan: a later cell wins only when greater */
                    const float a = r0[C + c] > r0[c] ? r0[C + c] : r0[c];
                    const float b = r1[C + c] > r1[c] ? r1[C + c] : r1[c];
                    o[c] = b > a ? b : a;
                }
                continue;
            }
            if (ky1 <= ky0 || kx1 <= kx0) {
                for (int c = 0; c < C; c++) o[c] = 0.0f;
                continue;
            }
            const float *first = in + ((size_t)(y0 + ky0) * g->W + x0 + kx0) * C;
#pragma omp simd
            for (int c = 0; c < C; c++) o[c] = first[c];
            for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++) {
                    const float *x = in + ((size_t)(y0 + ky) * g->W + x0 + kx) * C; /* [C] */
#pragma omp simd
                    for (int c = 0; c < C; c++) o[c] = x[c] > o[c] ? x[c] : o[c];
                }
        }
    }
}

FK_CLONES void fk_avgpool(float *out, const float *in, const fk_win *g, int oh0, int oh1) {
    const int C = g->C;
    for (int oh = oh0; oh < oh1; oh++) {
        for (int ow = 0; ow < g->OW; ow++) {
            const cells v = window(g, oh, ow);
            const int y0 = v.y0, x0 = v.x0, ky0 = v.ky0, ky1 = v.ky1, kx0 = v.kx0, kx1 = v.kx1;
            float *o = out + ((size_t)oh * g->OW + ow) * C; /* [C] */
            if (v.full2) {
                const float *r0 = in + ((size_t)y0 * g->W + x0) * C; /* [2][C] */
                const float *r1 = r0 + (size_t)g->W * C;             /* [2][C] */
#pragma omp simd
                for (int c = 0; c < C; c++)
                    o[c] = (((r0[c] + r0[C + c]) + r1[c]) + r1[C + c]) * 0.25f;
                continue;
            }
            for (int c = 0; c < C; c++) o[c] = 0.0f;
            int count = 0;
            for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++, count++) {
                    const float *x = in + ((size_t)(y0 + ky) * g->W + x0 + kx) * C; /* [C] */
#pragma omp simd
                    for (int c = 0; c < C; c++) o[c] += x[c];
                }
            const float inv = count > 0 ? 1.0f / (float)count : 0.0f;
#pragma omp simd
            for (int c = 0; c < C; c++) o[c] *= inv;
        }
    }
}

FK_CLONES void fk_add(float *out, const float *a, const float *b, size_t n, float lo, float hi) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        const float v = a[i] + b[i];
        out[i] = v < lo ? lo : v > hi ? hi : v;
    }
}

FK_CLONES void fk_clamp(float *out, const float *in, size_t n, float lo, float hi) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) out[i] = in[i] < lo ? lo : in[i] > hi ? hi : in[i];
}

FK_CLONES void fk_affine(float *out, const float *in, const float *mean, const float *scale,
                         const float *shift, size_t P, int C, float lo, float hi) {
    for (size_t p = 0; p < P; p++) {
        const float *x = in + p * C; /* [C] */
        float *o = out + p * C;      /* [C] */
#pragma omp simd
        for (int c = 0; c < C; c++) {
            const float v = (x[c] - mean[c]) * scale[c] + shift[c];
            o[c] = v < lo ? lo : v > hi ? hi : v;
        }
    }
}
