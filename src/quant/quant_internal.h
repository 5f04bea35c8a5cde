/*
** Internals shared by the quant module's files: the per-sample integer
** kernels of the reference engine (which the fast engine reuses for every
** op it does not accelerate) and the fast conv/dense kernels.
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

/* ---- reference kernels: one sample, plain loops (ref_engine.c) ---- */

void q_ref_conv2d(const an_q_layer *l, const an_q_tinfo *in, const int8_t *x, /* [H, W, C] */
                  int8_t *y);                                                 /* [OH, OW, OC] */
void q_ref_dense(const an_q_layer *l, const an_q_tinfo *in, const int8_t *x,  /* [K] */
                 int8_t *y);                                                  /* [N] */
void q_ref_maxpool(const an_q_layer *l, const an_q_tinfo *in, const int8_t *x, int8_t *y);
void q_ref_avgpool(const an_q_layer *l, const an_q_tinfo *in, const int8_t *x, int8_t *y);
void q_ref_add(const an_q_layer *l, const an_q_tinfo *a, const an_q_tinfo *b,
               const int8_t *xa, /* [H, W, C] */
               const int8_t *xb, /* [H, W, C] */
               int8_t *y);       /* [H, W, C] */

/* ---- fast kernels (fast_engine.c) ---- */

/* K rounded up to the SIMD width (16 int16 lanes). */
static inline int q_kpad(int k) {
    return (k + 15) & ~15;
}

/* Weights of a conv/dense layer widened to int16, [c][kpad], zero padded. */
int16_t *q_fast_weights(const an_q_layer *l);

/* One sample through conv2d / dense; patch is scratch of kpad int16. */
void q_fast_conv2d(const an_q_layer *l, const int16_t *w16, const an_q_tinfo *in, const int8_t *x,
                   int8_t *y, int16_t *patch, int avx2);
void q_fast_dense(const an_q_layer *l, const int16_t *w16, const int8_t *x, int8_t *y,
                  int16_t *patch, int avx2);

#endif /* ASICNN_QUANT_INTERNAL_H */
