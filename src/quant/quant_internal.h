/*
** Internals shared by the quant module's files: the per-sample integer
** kernels of the reference engine (which the fast engine reuses for every
** op it does not accelerate), the fast conv/dense kernels (int16 madd:
** AVX2 and scalar; u8 x s8 vpdpbusd: AVX-512 VNNI) and the fast pooling.
*/
#ifndef ASICNN_QUANT_INTERNAL_H
#define ASICNN_QUANT_INTERNAL_H

#include "asicnn/quant.h"

/* Requantize an int32 accumulator to the output's int8:
** clamp(MBQM(acc, m, s) + zp, lo, hi). */
static inline int8_t q_requant(int32_t acc, int32_t m, int32_t s, int32_t zp, int32_t lo,
                               int32_t hi) {
    int64_t v = (int64_t)an_q_mul_by_quantized(acc, m, s) + zp;
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    return (int8_t)v;
}

/* Valid taps [k0, k1) of a window starting at cell start of an n-cell axis. */
static inline void q_taps(int start, int k, int n, int *k0, int *k1) {
    *k0 = start < 0 ? -start : 0;
    *k1 = start + k > n ? n - start : k;
}

/* The valid cells of the pooling window of output (oy, ox) on an input of
** h x w: rows y0 + [ky0, ky1), columns x0 + [kx0, kx1). */
typedef struct q_win {
    int y0, x0, ky0, ky1, kx0, kx1;
} q_win;
static inline q_win q_window(const an_q_layer *l, int h, int w, int oy, int ox) {
    q_win v = {.y0 = oy * l->sh - l->pt, .x0 = ox * l->sw - l->pl};
    q_taps(v.y0, l->kh, h, &v.ky0, &v.ky1);
    q_taps(v.x0, l->kw, w, &v.kx0, &v.kx1);
    return v;
}

/* Rounded mean of count >= 1 int8 cells summing to sum, clamped to int8:
** TFLite's rounding, half away from zero (C division truncates). */
static inline int8_t q_avg_round(int32_t sum, int32_t count) {
    const int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
    return (int8_t)(avg < -128 ? -128 : avg > 127 ? 127 : avg);
}

/* ---- reference kernels: one sample, plain loops (ref_engine.c) ---- */

void q_ref_conv2d(const an_q_layer *l, const an_tensor *in, const int8_t *x, /* [H, W, C] */
                  int8_t *y);                                                /* [OH, OW, OC] */
void q_ref_dense(const an_q_layer *l, const an_tensor *in, const int8_t *x,  /* [K] */
                 int8_t *y);                                                 /* [N] */
void q_ref_maxpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y);
void q_ref_avgpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y);
void q_ref_add(const an_q_layer *l, const an_tensor *a, const an_tensor *b,
               const int8_t *xa, /* [H, W, C] */
               const int8_t *xb, /* [H, W, C] */
               int8_t *y);       /* [H, W, C] */

/* ---- fast kernels (fast_engine.c) ---- */

/* Kernel families of the fast path, chosen once per engine. */
typedef enum q_isa { Q_ISA_SCALAR = 0, Q_ISA_AVX2, Q_ISA_VNNI } q_isa;

/* The family a fast impl runs on this CPU (AN_Q_IMPL_FAST: the best). */
q_isa q_impl_isa(an_q_impl impl);

/* K rounded up to the SIMD width (16 int16 lanes). */
static inline int q_kpad(int k) {
    return (k + 15) & ~15;
}

/* Weights of a conv/dense layer widened to int16, [c][kpad], zero padded. */
int16_t *q_fast_weights(const an_q_layer *l);

/* One sample through conv2d / dense; patch is scratch of kpad int16. */
void q_fast_conv2d(const an_q_layer *l, const int16_t *w16, const an_tensor *in, const int8_t *x,
                   int8_t *y, int16_t *patch, int avx2);
void q_fast_dense(const an_q_layer *l, const int16_t *w16, const int8_t *x, int8_t *y,
                  int16_t *patch, int avx2);

/* One sample through a grouped / depthwise conv2d (groups > 1) on every fast
** impl (fast_group.c): plain C, bit-exact with q_ref_conv2d; par spreads
** the output rows over OpenMP threads. */
void q_fast_group_conv2d(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y,
                         int par);

/* ---- AVX-512 VNNI kernels (fast_vnni.c) ---- */

#if defined(__x86_64__)
#define Q_VNNI_BUILD 1
/* the instruction sets of the VNNI kernels, enabled per function */
#define Q_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#endif

/* Output positions gathered per block (a multiple of 8). */
#define Q_VNNI_ROWS 64

/* A conv/dense layer packed for vpdpbusd: w [ocb][kh][kq][16][4] (64-byte
** aligned; each kernel row's taps zero padded to kq groups of 4; a dense
** layer is one row), comp = bias - 128 * sum(w) per channel, the
** multiplier, right shift (at most 31) and its mask 2^shift - 1 per channel
** (all [ocb * 16]); left is set when
** a channel has a left shift (then requantization is scalar). */
typedef struct q_vnni_w {
    int8_t *w;
    int32_t *comp, *mult, *rshift, *rmask;
    int ocb, kh, kq, k4, left; /* k4 = kh * kq groups of 4 taps */
    /* a conv of at most 8 channels run channels-as-positions (fast_vnni.c):
    ** ng groups of 4 taps at dwords noff [ng] from a pixel's (vertical ones
    ** when nvert), nph phases of 16 lanes, nw [nph][ng][16][4] their
    ** weights, nq [nph][5][16] their comp, mult, rshift, rmask and dword
    ** index; nph is 0 for every other layer */
    int8_t *nw;
    int32_t *nq, *noff;
    int nph, ng, nvert;
} q_vnni_w;

/* Whether this CPU runs the VNNI kernels (AVX-512 F, BW, VL, VNNI). */
int q_vnni_supported(void);
q_vnni_w *q_vnni_pack(const an_q_layer *l);
void q_vnni_free(q_vnni_w *p);
/* Scratch bytes one thread needs for layer l on input in. */
size_t q_vnni_scratch(const an_q_layer *l, const an_tensor *in);
/* One sample through conv2d; scratch holds a block per thread (stride
** scratch_stride); par spreads the blocks over OpenMP threads. */
void q_vnni_conv2d(const an_q_layer *l, const q_vnni_w *p, const an_tensor *in, const int8_t *x,
                   int8_t *y, uint8_t *scratch, size_t scratch_stride, int par);
void q_vnni_dense(const an_q_layer *l, const q_vnni_w *p, const int8_t *x, int8_t *y,
                  uint8_t *scratch);
/* The int8 add of one sample, 16 lanes at a time (the reference's kernel
** when a multiplier has a left shift). */
void q_vnni_add(const an_q_layer *l, const an_tensor *a, const an_tensor *b, const int8_t *xa,
                const int8_t *xb, int8_t *y);

/* Max and average pooling of one sample with AVX-512 (fast_vnni_pool.c):
** the accumulator of up to 64 (max) or 16 (average) channels stays in a
** register over the window; the reference's semantics. */
void q_vnni_maxpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y);
void q_vnni_avgpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y);

/* Max pooling of one sample, channels innermost (AVX2 max over the
** channels); the reference's semantics (valid cells only). */
void q_fast_maxpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y);
/* Average pooling of one sample, channels innermost; the reference's
** rounding (half away from zero). */
void q_fast_avgpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y);

#endif /* ASICNN_QUANT_INTERNAL_H */
