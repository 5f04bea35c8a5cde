/*
** The fast path's dispatch (which kernels an impl runs on this CPU), its max
** pooling, and the int16 kernels for conv2d and dense (the AVX2 and scalar
** paths; fast_vnni.c holds the VNNI one): each output position gathers its
** receptive field into a patch of int16 (padding cells hold the input zero
** point, the tail beyond K holds 0), then dots it with the int16-widened
** weights of four output channels at a time. With AVX2 the dot is
** _mm256_madd_epi16 (16 int8 x int8 products per instruction, summed in
** int32 lanes); without it, plain loops. Integer addition is exact and the
** validator bounds every accumulator within int32, so any summation order
** gives the reference's value bit for bit; requantization is the same
** function the reference uses.
*/
#include "quant_internal.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define Q_HAVE_X86 1
#endif

int an_q_fast_has_avx2(void) {
#ifdef Q_HAVE_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
#else
    return 0;
#endif
}

q_isa q_impl_isa(an_q_impl impl) {
    switch (impl) {
    case AN_Q_IMPL_FAST:
        return q_vnni_supported() ? Q_ISA_VNNI : an_q_fast_has_avx2() ? Q_ISA_AVX2 : Q_ISA_SCALAR;
    case AN_Q_IMPL_FAST_AVX2:
        return Q_ISA_AVX2;
    case AN_Q_IMPL_FAST_VNNI:
        return Q_ISA_VNNI;
    default:
        return Q_ISA_SCALAR;
    }
}

const char *an_q_fast_path(an_q_impl impl) {
    static const char *const NAME[] = {"scalar", "AVX2", "AVX-512 VNNI"};
    if (impl == AN_Q_IMPL_REF || (unsigned)impl >= AN_Q_IMPL_COUNT) return NULL;
    const q_isa isa = q_impl_isa(impl);
    if ((isa == Q_ISA_AVX2 && !an_q_fast_has_avx2()) || (isa == Q_ISA_VNNI && !q_vnni_supported()))
        return NULL;
    return NAME[isa];
}

#ifdef Q_HAVE_X86
/* y[c] = max(y[c], x[c]) for n bytes. */
__attribute__((target("avx2"))) static void max_into(int8_t *y, const int8_t *x, int n) {
    int c = 0;
    for (; c + 32 <= n; c += 32)
        _mm256_storeu_si256((void *)(y + c),
                            _mm256_max_epi8(_mm256_loadu_si256((const void *)(y + c)),
                                            _mm256_loadu_si256((const void *)(x + c))));
    for (; c < n; c++) y[c] = x[c] > y[c] ? x[c] : y[c];
}
#else
static void max_into(int8_t *y, const int8_t *x, int n) {
    for (int c = 0; c < n; c++) y[c] = x[c] > y[c] ? x[c] : y[c];
}
#endif

void q_fast_maxpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    const int W = in->w, C = in->c;
    for (int oy = 0; oy < l->h; oy++) {
        for (int ox = 0; ox < l->w; ox++) {
            const int y0 = oy * l->sh - l->pt, x0 = ox * l->sw - l->pl;
            int ky0, ky1, kx0, kx1;
            q_taps(y0, l->kh, in->h, &ky0, &ky1);
            q_taps(x0, l->kw, W, &kx0, &kx1);
            int8_t *dst = y + ((int64_t)oy * l->w + ox) * C; /* [C] */
            memset(dst, -128, (size_t)C);
            for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++)
                    max_into(dst, x + ((int64_t)(y0 + ky) * W + x0 + kx) * C, C);
        }
    }
}

void q_fast_avgpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    enum { CB = 256 }; /* channels summed at a time */
    const int W = in->w, C = in->c;
    int32_t sum[CB];
    for (int oy = 0; oy < l->h; oy++) {
        for (int ox = 0; ox < l->w; ox++) {
            const int y0 = oy * l->sh - l->pt, x0 = ox * l->sw - l->pl;
            int ky0, ky1, kx0, kx1;
            q_taps(y0, l->kh, in->h, &ky0, &ky1);
            q_taps(x0, l->kw, W, &kx0, &kx1);
            const int32_t count = (ky1 - ky0) * (kx1 - kx0); /* >= 1 (validated) */
            for (int c0 = 0; c0 < C; c0 += CB) {
                const int nc = C - c0 < CB ? C - c0 : CB;
                for (int c = 0; c < nc; c++) sum[c] = 0;
                for (int ky = ky0; ky < ky1; ky++)
                    for (int kx = kx0; kx < kx1; kx++) {
                        const int8_t *src = x + ((int64_t)(y0 + ky) * W + x0 + kx) * C + c0;
                        for (int c = 0; c < nc; c++) sum[c] += src[c];
                    }
                int8_t *dst = y + ((int64_t)oy * l->w + ox) * C + c0;
                for (int c = 0; c < nc; c++) dst[c] = q_avg_round(sum[c], count);
            }
        }
    }
}

int16_t *q_fast_weights(const an_q_layer *l) {
    const int kp = q_kpad(l->k);
    int16_t *w = aligned_alloc(32, (size_t)l->c * (size_t)kp * sizeof(int16_t) + 32);
    if (!w) return NULL;
    for (int oc = 0; oc < l->c; oc++) {
        int16_t *row = w + (size_t)oc * kp; /* [kpad] */
        for (int k = 0; k < kp; k++) row[k] = k < l->k ? l->weights[(int64_t)oc * l->k + k] : 0;
    }
    return w;
}

/* acc[j] = sum_k patch[k] * w[j][k] for n (1..4) rows of kp int16 each. */
static void dot_scalar(const int16_t *patch, const int16_t *w, int kp, int n, int32_t *acc) {
    for (int j = 0; j < n; j++) {
        const int16_t *r = w + (size_t)j * kp;
        int32_t s = 0;
        for (int k = 0; k < kp; k++) s += (int32_t)patch[k] * r[k];
        acc[j] = s;
    }
}

#ifdef Q_HAVE_X86
__attribute__((target("avx2"))) static inline int32_t hsum8(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

__attribute__((target("avx2"))) static void dot_avx2(const int16_t *patch, const int16_t *w, int kp,
                                                     int n, int32_t *acc) {
    if (n == 4) {
        const int16_t *r0 = w, *r1 = w + kp, *r2 = w + 2 * (size_t)kp, *r3 = w + 3 * (size_t)kp;
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < kp; k += 16) {
            const __m256i p = _mm256_loadu_si256((const __m256i *)(patch + k));
            a0 = _mm256_add_epi32(a0,
                                  _mm256_madd_epi16(p, _mm256_loadu_si256((const void *)(r0 + k))));
            a1 = _mm256_add_epi32(a1,
                                  _mm256_madd_epi16(p, _mm256_loadu_si256((const void *)(r1 + k))));
            a2 = _mm256_add_epi32(a2,
                                  _mm256_madd_epi16(p, _mm256_loadu_si256((const void *)(r2 + k))));
            a3 = _mm256_add_epi32(a3,
                                  _mm256_madd_epi16(p, _mm256_loadu_si256((const void *)(r3 + k))));
        }
        acc[0] = hsum8(a0), acc[1] = hsum8(a1), acc[2] = hsum8(a2), acc[3] = hsum8(a3);
        return;
    }
    for (int j = 0; j < n; j++) {
        const int16_t *r = w + (size_t)j * kp;
        __m256i a = _mm256_setzero_si256();
        for (int k = 0; k < kp; k += 16)
            a = _mm256_add_epi32(a, _mm256_madd_epi16(_mm256_loadu_si256((const void *)(patch + k)),
                                                      _mm256_loadu_si256((const void *)(r + k))));
        acc[j] = hsum8(a);
    }
}
#endif

/* All output channels of one position: y [OC] from the patch [kpad]. */
static void channels(const an_q_layer *l, const int16_t *w16, const int16_t *patch, int8_t *y,
                     int avx2) {
    const int kp = q_kpad(l->k);
    int32_t acc[4];
    for (int oc = 0; oc < l->c; oc += 4) {
        const int n = l->c - oc < 4 ? l->c - oc : 4;
        const int16_t *w = w16 + (size_t)oc * kp; /* [n, kpad] */
#ifdef Q_HAVE_X86
        if (avx2)
            dot_avx2(patch, w, kp, n, acc);
        else
#endif
            dot_scalar(patch, w, kp, n, acc);
        for (int j = 0; j < n; j++) {
            const int c = oc + j;
            y[c] = q_requant(l->bias[c] + acc[j], l->mult[c], l->shift[c], l->zero_point,
                             l->act_min, l->act_max);
        }
    }
}

void q_fast_conv2d(const an_q_layer *l, const int16_t *w16, const an_tensor *in, const int8_t *x,
                   int8_t *y, int16_t *patch, int avx2) {
    const int H = in->h, W = in->w, C = in->c, kp = q_kpad(l->k);
    for (int k = l->k; k < kp; k++) patch[k] = 0;
    for (int oy = 0; oy < l->h; oy++) {
        for (int ox = 0; ox < l->w; ox++) {
            int16_t *p = patch; /* [KH, KW, C] */
            for (int ky = 0; ky < l->kh; ky++) {
                const int iy = oy * l->sh - l->pt + ky;
                for (int kx = 0; kx < l->kw; kx++, p += C) {
                    const int ix = ox * l->sw - l->pl + kx;
                    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                        const int8_t *src = x + ((int64_t)iy * W + ix) * C; /* [C] */
                        for (int c = 0; c < C; c++) p[c] = src[c];
                    } else {
                        for (int c = 0; c < C; c++) p[c] = (int16_t)in->zero_point;
                    }
                }
            }
            channels(l, w16, patch, y + ((int64_t)oy * l->w + ox) * l->c, avx2);
        }
    }
}

void q_fast_dense(const an_q_layer *l, const int16_t *w16, const int8_t *x, int8_t *y,
                  int16_t *patch, int avx2) {
    const int kp = q_kpad(l->k);
    for (int k = 0; k < kp; k++) patch[k] = k < l->k ? x[k] : 0;
    channels(l, w16, patch, y, avx2);
}
