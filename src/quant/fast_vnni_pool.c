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
**
** Average pooling whose windows all lie whole in the input and hold a
** power of two (at most 128) of cells runs a row at a time instead, with
** channels as positions: the window's input rows are summed into a row of
** int16 (v), then the outputs of P whole pixels (P * C <= 32 consecutive
** outputs of the output row, HWC order; lane j is pixel j / C, channel
** j % C, whose first cell is v[base + j / C * sw * C + j % C]) take their
** kw cells each with one two-register permutation (vpermt2w) per kernel
** column, and the sums are divided by the shift. This fills P * C of 32
** lanes whatever C is, where the per-pixel loop fills C of 16.
*/
#include "quant_internal.h"

#include <string.h>

#ifdef Q_VNNI_BUILD
#include <immintrin.h>
#endif

/* Largest window whose average is divided in single precision. */
#define Q_POOL_FLOAT_MAX 65536
/* Longest input row (W * C) of the row-wise average pooling. */
#define Q_POOL_ROW_MAX 4096

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

/* Pixels of avgpool_rows' vectors for C channels at stride sw: the most
** whose outputs fit 32 lanes and whose first cells lie within 64 int16
** (one vpermt2w); 0 when not even one pixel's do. */
static int avg_rows_pixels(int C, int sw) {
    int P = C <= 32 ? 32 / C : 0;
    while (P > 0 && (P - 1) * sw * C + C - 1 > 63) P--;
    return P;
}

/* Whether average pooling l on in runs avgpool_rows: no window cut by
** padding, a window of 2^k <= 128 cells (its sums fit int16), an input row
** that fits the row buffer, and vectors of at least one pixel. */
static int avg_rows_ok(const an_q_layer *l, const an_tensor *in) {
    const int cells = l->kh * l->kw;
    return l->pt == 0 && l->pl == 0 && (l->h - 1) * l->sh + l->kh <= in->h &&
           (l->w - 1) * l->sw + l->kw <= in->w && cells <= 128 && (cells & (cells - 1)) == 0 &&
           (int64_t)in->w * in->c <= Q_POOL_ROW_MAX && avg_rows_pixels(in->c, l->sw) > 0;
}

/* Lanes [0, n) of a vector of 32 words (n >= 1). */
static inline __mmask32 lanes32(int n) {
    return n >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << n) - 1);
}

/* The average pooling of avg_rows_ok layers, a row of outputs at a time
** (see the top of the file). */
Q_TARGET static void avgpool_rows(const an_q_layer *l, const an_tensor *in, const int8_t *x,
                                  int8_t *y) {
    const int C = in->c, rowb = in->w * C, n = l->w * C, cells = l->kh * l->kw;
    const int P = avg_rows_pixels(C, l->sw), m = P * C; /* outputs per vector */
    const __m128i k = _mm_cvtsi32_si128(__builtin_ctz((unsigned)cells));
    int16_t v[Q_POOL_ROW_MAX + 64]; /* vertical sums of an output row's input rows */
    int16_t rel[32];                /* lane j's first cell in v after the vector's first */
    for (int j = 0; j < 32; j++) rel[j] = (int16_t)(j < m ? j / C * l->sw * C + j % C : 0);
    const __m512i idx = _mm512_loadu_si512(rel);
    memset(v + rowb, 0, 64 * sizeof *v);
    const __m512i half = _mm512_set1_epi16((int16_t)(cells / 2));
    const __m512i bias = _mm512_set1_epi16((int16_t)(cells - 1));
    for (int oy = 0; oy < l->h; oy++) {
        const int8_t *top = x + (int64_t)oy * l->sh * rowb;
        for (int b = 0; b < rowb; b += 32) {
            const __mmask32 lb = lanes32(rowb - b);
            __m512i s = _mm512_setzero_si512();
            for (int ky = 0; ky < l->kh; ky++)
                s = _mm512_add_epi16(s, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(
                                            lb, top + (int64_t)ky * rowb + b)));
            _mm512_storeu_si512(v + b, s);
        }
        for (int e0 = 0; e0 < n; e0 += m) {
            const int16_t *first = v + e0 / C * l->sw * C;
            __m512i s = _mm512_setzero_si512();
            for (int kx = 0; kx < l->kw; kx++) {
                const int16_t *c = first + kx * C;
                s = _mm512_add_epi16(s, _mm512_permutex2var_epi16(_mm512_loadu_si512(c), idx,
                                                                  _mm512_loadu_si512(c + 32)));
            }
            /* q_avg_round: sum +- half, divided by 2^k truncating toward zero */
            const __mmask32 pos = _mm512_cmpgt_epi16_mask(s, _mm512_setzero_si512());
            const __m512i t = _mm512_mask_add_epi16(_mm512_sub_epi16(s, half), pos, s, half);
            const __m512i q = _mm512_sra_epi16(
                _mm512_add_epi16(t, _mm512_and_si512(_mm512_srai_epi16(t, 15), bias)), k);
            _mm512_mask_cvtepi16_storeu_epi8(y + (int64_t)oy * n + e0,
                                             lanes32(n - e0 < m ? n - e0 : m), q);
        }
    }
}

Q_TARGET void q_vnni_avgpool(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y) {
    if (avg_rows_ok(l, in)) {
        avgpool_rows(l, in, x, y);
        return;
    }
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
