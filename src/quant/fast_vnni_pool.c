/*
** Max and average pooling with AVX-512 (the fast path on a VNNI machine),
** bit-exact with the reference kernels: only the valid cells of a window
** count (q_taps), max pooling starts from -128, average pooling divides the
** sum by the number of valid cells rounding half away from zero
** (q_avg_round). Channels are innermost, so a window's cells are runs of C
** bytes; each block of channels keeps its accumulator in a register over
** the whole window and is stored once.
**
** The average's division is done in single precision: the numerator
** n = sum +- count / 2 has |n| <= 128.5 * count < 2^24 for windows of at
** most Q_POOL_FLOAT_MAX cells, so n and count are exact floats, and a
** quotient that is not an integer lies at least 1 / count from the next
** integer, more than the rounding of the division can move it; truncating
** the float quotient gives C's n / count. Larger windows take the
** reference's loop; a count that is a power of two is a shift.
*/
#include "quant_internal.h"

#ifdef Q_VNNI_BUILD
#include <immintrin.h>
#endif

/* Largest window whose average is divided in single precision. */
#define Q_POOL_FLOAT_MAX 65536

#ifdef Q_VNNI_BUILD
/* The C channels of cell (iy, ix) of x [H, W, C]. */
static inline const int8_t *cell(const int8_t *x, int W, int C, int iy, int ix) {
    return x + ((int64_t)iy * W + ix) * C;
}

/* Lanes [0, n) of a vector of 64 bytes (n <= 64). */
static inline __mmask64 lanes64(int n) {
    return n >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << n) - 1);
}

Q_TARGET void q_vnni_maxpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    const int W = in->w, C = in->c;
    for (int oy = 0; oy < l->h; oy++)
        for (int ox = 0; ox < l->w; ox++) {
            const q_win v = q_window(l, in->h, W, oy, ox);
            int8_t *dst = y + ((int64_t)oy * l->w + ox) * C; /* [C] */
            for (int c = 0; c < C; c += 64) {
                const __mmask64 k = lanes64(C - c);
                __m512i m = _mm512_set1_epi8(-128);
                for (int ky = v.ky0; ky < v.ky1; ky++)
                    for (int kx = v.kx0; kx < v.kx1; kx++)
                        m = _mm512_max_epi8(
                            m, _mm512_maskz_loadu_epi8(k, cell(x, W, C, v.y0 + ky, v.x0 + kx) + c));
                _mm512_mask_storeu_epi8(dst + c, k, m);
            }
        }
}

/* n / 2^k truncated toward zero (C's division) for k >= 1: negative
** lanes are biased by 2^k - 1 before the arithmetic shift. */
Q_TARGET static inline __m512i div_pow2(__m512i n, int k) {
    const __m512i bias =
        _mm512_and_si512(_mm512_srai_epi32(n, 31), _mm512_set1_epi32((1 << k) - 1));
    return _mm512_sra_epi32(_mm512_add_epi32(n, bias), _mm_cvtsi32_si128(k));
}

Q_TARGET void q_vnni_avgpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    if ((int64_t)l->kh * l->kw > Q_POOL_FLOAT_MAX) {
        q_ref_avgpool(l, in, x, y);
        return;
    }
    const int W = in->w, C = in->c;
    for (int oy = 0; oy < l->h; oy++)
        for (int ox = 0; ox < l->w; ox++) {
            const q_win v = q_window(l, in->h, W, oy, ox);
            const int32_t count = (v.ky1 - v.ky0) * (v.kx1 - v.kx0); /* >= 1 (validated) */
            const __m512i half = _mm512_set1_epi32(count / 2);
            const __m512 fc = _mm512_set1_ps((float)count);
            const int shift = (count & (count - 1)) == 0 ? __builtin_ctz((unsigned)count) : 0;
            int8_t *dst = y + ((int64_t)oy * l->w + ox) * C; /* [C] */
            for (int c = 0; c < C; c += 16) {
                const __mmask16 k =
                    C - c >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (C - c)) - 1);
                __m512i s = _mm512_setzero_si512();
                for (int ky = v.ky0; ky < v.ky1; ky++)
                    for (int kx = v.kx0; kx < v.kx1; kx++)
                        s = _mm512_add_epi32(s, _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(
                                                    k, cell(x, W, C, v.y0 + ky, v.x0 + kx) + c)));
                /* sum > 0: sum + count / 2; otherwise sum - count / 2 */
                const __mmask16 pos = _mm512_cmpgt_epi32_mask(s, _mm512_setzero_si512());
                const __m512i n = _mm512_mask_add_epi32(_mm512_sub_epi32(s, half), pos, s, half);
                const __m512i q =
                    shift ? div_pow2(n, shift) /* a shift when count is 2^shift */
                          : _mm512_cvttps_epi32(_mm512_div_ps(_mm512_cvtepi32_ps(n), fc));
                _mm512_mask_cvtsepi32_storeu_epi8(dst + c, k, q); /* saturates to int8 */
            }
        }
}
#else
void q_vnni_maxpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    q_ref_maxpool(l, in, x, y);
}
void q_vnni_avgpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    q_ref_avgpool(l, in, x, y);
}
#endif
