/*
** The AVX-512 VNNI int8 path for conv2d and dense, bit-exact with the
** reference engine.
**
** vpdpbusd multiplies unsigned by signed bytes, four at a time, into int32
** lanes without saturation. Activations are signed, so each is fed as
** x + 128 (x ^ 0x80) and the surplus 128 * sum_k w[oc][k] is taken out of
** the bias once per model: comp[oc] = bias[oc] - 128 * sum_k w[oc][k]. All of
** this is int32 arithmetic modulo 2^32, and the true accumulator fits in
** int32 (the graph validator bounds it), so the result equals the
** reference's accumulator exactly, whatever the order of the sums.
**
** Weights are packed once per model as [oc block of 16][kh][kq][16][4]: each
** kernel row's kw * C taps padded with zero weights to kq groups of 4 (one
** 64-byte vector per block and group), a dense layer being one kernel row
** of all its inputs. The activations of a tile are rows of x + 128 bytes,
** row r of kernel row ky at a + r * lda + ky * ks (padding cells hold
** in_zp + 128); tiles of 8 rows x 32 channels or 4 rows x 64 channels
** accumulate in registers. A conv whose output rows are at least a tile
** wide reads its rows straight from the padded image (consecutive output
** pixels of a row lie sw * C bytes apart, kernel rows a padded image row
** apart: no copy); a narrower one gathers the receptive fields of up to 64
** output positions first.
**
** A conv of at most 8 output channels would fill a fraction of each
** 16-channel vector, so it runs channels-as-positions instead: a vector
** holds 16 consecutive outputs of an output row in HWC order (lane j of
** the vector starting at output e is pixel (e + j) / c, channel
** (e + j) % c). The padded image is first expanded to dwords, d[b] = its
** bytes b .. b + 3, so the 4 taps of a group of any pixel are one dword;
** one load of 16 dwords and a permutation (vpermd) give each lane its
** pixel's taps, and the weights are packed per phase (e mod c, of which
** there are c / gcd(c, 16)) with each lane's channel; the 16 outputs are
** stored as 16 consecutive bytes. Where a kernel row ends in a single tap
** (5x5 on one channel: 4 + 1), that tap of 4 rows at a time is one group
** of a second, vertical expansion (the bytes b, b + a row, b + 2 rows,
** b + 3 rows): 7 groups for 25 taps, not 10.
**
** Requantization is
** vectorised: gemmlowp's SaturatingRoundingDoublingHighMul in 64-bit lanes
** (the multiplier is >= 0, so it never saturates) and RoundingDivideByPOT
** in 32-bit lanes; layers with a left shift (never made by the quantizer for
** conv or dense) requantize with the scalar function instead.
*/
#include "quant_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* A single sample's conv spreads its blocks over threads from this size. */
#define Q_VNNI_PAR_MACS (1 << 20)

#ifdef Q_VNNI_BUILD
#include <immintrin.h>
/* fully unrolled tile loops keep the accumulators in registers */
#define Q_UNROLL _Pragma("GCC unroll 16")
#endif

/* The activation rows of a product: row r of kernel row ky starts at
** a + r * lda + ky * ks (x + 128 bytes, the kernel row's kq * 4 bytes in a
** run; bytes past its kw * C taps meet zero weights). */
typedef struct q_rows {
    const uint8_t *a;
    size_t lda, ks;
} q_rows;

/* Kernel rows of a packed layer (1 for dense) and 4-byte groups in each. */
static void k_groups(const an_q_layer *l, int *kh, int *kq) {
    *kh = l->op == AN_Q_CONV2D ? l->kh : 1;
    *kq = (l->k / *kh + 3) / 4;
}

int q_vnni_supported(void) {
#ifdef Q_VNNI_BUILD
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

void q_vnni_free(q_vnni_w *p) {
    if (!p) return;
    free(p->w);
    free(p->comp);
    free(p->mult);
    free(p->rshift);
    free(p->rmask);
    free(p->nw);
    free(p->nq);
    free(p->noff);
    free(p);
}

/* Input channels of a conv. */
static int in_channels(const an_q_layer *l) {
    return l->k / (l->kh * l->kw);
}

/* Whether conv l runs channels-as-positions: at most 8 channels, and the
** dwords of the pixels that 16 consecutive outputs span lie within one
** load of 16 (pixel offsets up to (c + 14) / c, each sw * C dwords). */
static int narrow(const an_q_layer *l) {
#ifdef Q_VNNI_BUILD
    return l->op == AN_Q_CONV2D && l->c <= 8 && (l->c + 14) / l->c * l->sw * in_channels(l) <= 15;
#else
    (void)l;
    return 0;
#endif
}

/* Lanes of the phase tables nq: comp, mult, rshift, rmask, dword index. */
enum { Q_NQ = 5 };

static void padded_dims(const an_q_layer *l, int *hp, int *wp);

/* Dwords of one expansion of a narrow conv's padded image: its bytes
** rounded up to 16, and a load of 16 past the last. */
static size_t expansion_dwords(const an_q_layer *l) {
    int hp, wp;
    padded_dims(l, &hp, &wp);
    return (((size_t)hp * wp * in_channels(l) + 15) & ~(size_t)15) + 16;
}

/* The groups of 4 taps of a narrow conv (see the top of the file): each
** kernel row's runs of 4 (the last one padded with zero weights), except
** that where a row ends in a single tap, that tap of rows ky .. ky + 3 is
** a vertical group; rows left over keep their padded group. off [g]: the
** group's dword relative to a pixel's first (the vertical expansion
** follows the horizontal one); tap [g][4]: the weight index (ky * kr + j)
** of each byte, -1 for a zero weight. Returns the group count; *vert:
** whether there are vertical groups. */
static int narrow_groups(const an_q_layer *l, const q_vnni_w *p, int32_t *off, int32_t *tap,
                         int *vert) {
    int hp, wp;
    padded_dims(l, &hp, &wp);
    const int kr = l->k / p->kh, rs = wp * in_channels(l), full = kr / 4;
    const int vrows = kr % 4 == 1 ? p->kh / 4 * 4 : 0; /* rows whose last tap goes vertical */
    int g = 0;
    for (int ky = 0; ky < p->kh; ky++)
        for (int q = 0; q < p->kq; q++, g++) {
            if (q == full && ky < vrows) {
                g--;
                continue;
            }
            off[g] = ky * rs + 4 * q;
            for (int i = 0; i < 4; i++) tap[g * 4 + i] = 4 * q + i < kr ? ky * kr + 4 * q + i : -1;
        }
    for (int ky = 0; ky < vrows; ky += 4, g++) {
        off[g] = (int32_t)expansion_dwords(l) + ky * rs + kr - 1;
        for (int i = 0; i < 4; i++) tap[g * 4 + i] = (ky + i) * kr + kr - 1;
    }
    *vert = vrows > 0;
    return g;
}

/* The groups and phase tables of a narrow conv (the vector starting at
** output e = 16 v of a row has phase e mod c, which repeats every nph =
** c / gcd(c, 16) vectors); 0 when out of memory. */
static int pack_narrow(const an_q_layer *l, q_vnni_w *p) {
    const int c = l->c, stride = l->sw * in_channels(l);
    int g = 16;
    while (c % g) g /= 2;
    p->nph = c / g;
    int32_t *tap = malloc((size_t)p->k4 * 4 * sizeof *tap);
    p->noff = malloc((size_t)p->k4 * sizeof *p->noff);
    if (!tap || !p->noff) {
        free(tap);
        return 0;
    }
    p->ng = narrow_groups(l, p, p->noff, tap, &p->nvert);
    p->nw = aligned_alloc(64, (size_t)p->nph * p->ng * 64);
    p->nq = aligned_alloc(64, (size_t)p->nph * Q_NQ * 64);
    if (!p->nw || !p->nq) {
        free(tap);
        return 0;
    }
    for (int v = 0; v < p->nph; v++) {
        const int phase = 16 * v % c;
        int32_t *q = p->nq + (size_t)v * Q_NQ * 16; /* [Q_NQ][16] */
        for (int j = 0; j < 16; j++) {
            const int oc = (phase + j) % c;
            for (int k = 0; k < p->ng * 4; k++)
                p->nw[((size_t)v * p->ng + k / 4) * 64 + j * 4 + k % 4] =
                    tap[k] < 0 ? 0 : l->weights[(int64_t)oc * l->k + tap[k]];
            q[j] = p->comp[oc], q[16 + j] = p->mult[oc];
            q[32 + j] = p->rshift[oc], q[48 + j] = p->rmask[oc];
            q[64 + j] = (phase + j) / c * stride;
        }
    }
    free(tap);
    return 1;
}

q_vnni_w *q_vnni_pack(const an_q_layer *l) {
    q_vnni_w *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->ocb = (l->c + 15) / 16;
    k_groups(l, &p->kh, &p->kq);
    const int kr = l->k / p->kh; /* taps of a kernel row */
    p->k4 = p->kh * p->kq;
    const size_t ocp = (size_t)p->ocb * 16, nw = ocp * (size_t)p->k4 * 4;
    p->w = aligned_alloc(64, nw);
    p->comp = aligned_alloc(64, ocp * 4), p->mult = aligned_alloc(64, ocp * 4);
    p->rshift = aligned_alloc(64, ocp * 4), p->rmask = aligned_alloc(64, ocp * 4);
    if (!p->w || !p->comp || !p->mult || !p->rshift || !p->rmask) {
        q_vnni_free(p);
        return NULL;
    }
    memset(p->w, 0, nw);
    p->left = 0;
    for (size_t oc = 0; oc < ocp; oc++) {
        int64_t sum = 0;
        if ((int)oc < l->c) {
            const int8_t *src = l->weights + (int64_t)oc * l->k; /* [K] */
            int8_t *blk = p->w + (oc / 16) * (size_t)p->k4 * 64; /* [kh][kq][16][4] */
            for (int k = 0; k < l->k; k++) {
                const int ky = k / kr, j = k % kr;
                blk[(size_t)(ky * p->kq + j / 4) * 64 + (oc % 16) * 4 + j % 4] = src[k];
                sum += src[k];
            }
            if (l->shift[oc] > 0) p->left = 1;
        }
        if (l->c <= 8 && oc >= 8) { /* lanes 8-15 repeat channels 0-7 (requant_pair) */
            p->comp[oc] = p->comp[oc - 8], p->mult[oc] = p->mult[oc - 8];
            p->rshift[oc] = p->rshift[oc - 8], p->rmask[oc] = p->rmask[oc - 8];
            continue;
        }
        const int in = (int)oc < l->c;
        /* modulo 2^32, as the vector sums */
        p->comp[oc] =
            (int32_t)(uint32_t)((uint64_t)(in ? (int64_t)l->bias[oc] : 0) - (uint64_t)(128 * sum));
        p->mult[oc] = in ? l->mult[oc] : 0;
        const int e = in && l->shift[oc] < 0 ? -l->shift[oc] : 0;
        p->rshift[oc] = e < 31 ? e : 31; /* an_q_rdbpot's bound */
        p->rmask[oc] = (int32_t)((UINT32_C(1) << p->rshift[oc]) - 1);
    }
    if (!p->left && narrow(l) && !pack_narrow(l, p)) {
        q_vnni_free(p);
        return NULL;
    }
    return p;
}

#ifdef Q_VNNI_BUILD

/* gemmlowp's SaturatingRoundingDoublingHighMul of 16 lanes x by m >= 0:
** trunc((x m + nudge) / 2^31), nudge = 2^30 or 1 - 2^30 by the sign of
** x m, equals floor((x m + 2^30) / 2^31) for every product (the two
** differ only where truncation and flooring part, and there the nudges
** make up the difference), and m >= 0 never saturates. The low 32 bits of
** that quotient are bits 31..62 of x m + 2^30: even lanes shift them down,
** odd lanes up into their dword. */
Q_TARGET static inline __m512i srdhm16(__m512i x, __m512i m) {
    const __m512i r = _mm512_set1_epi64(INT64_C(1) << 30);
    const __m512i pe = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), r), 31);
    const __m512i po = _mm512_slli_epi64(
        _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(m, 32)), r),
        1);
    return _mm512_mask_blend_epi32(0xAAAA, pe, po);
}

/* gemmlowp's RoundingDivideByPOT of 16 lanes by exponents e (0..31) with
** masks 2^e - 1: x >> e, plus 1 where the remainder exceeds half the mask
** (one more for negative x). */
Q_TARGET static inline __m512i rdbpot16(__m512i x, __m512i e, __m512i mask) {
    const __m512i rem = _mm512_and_si512(x, mask);
    const __m512i thr = _mm512_add_epi32(_mm512_srli_epi32(mask, 1), _mm512_srli_epi32(x, 31));
    const __m512i q = _mm512_srav_epi32(x, e);
    return _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, _mm512_set1_epi32(1));
}

/* TFLite MultiplyByQuantizedMultiplier of 16 lanes x with multipliers
** m >= 0 and right shifts e (0..31; no left shift). */
Q_TARGET static inline __m512i mbqm16(__m512i x, __m512i m, __m512i e) {
    const __m512i one = _mm512_set1_epi32(1);
    return rdbpot16(srdhm16(x, m), e, _mm512_sub_epi32(_mm512_sllv_epi32(one, e), one));
}

/* clamp(x + zp, lo, hi) of 16 lanes stored as int8 (lanes of kmask) at y;
** clamping before adding zp keeps every lane within int32. */
Q_TARGET static inline __m512i clamp16(__m512i x, int32_t zp, int32_t lo, int32_t hi) {
    x = _mm512_min_epi32(x, _mm512_set1_epi32(hi - zp));
    x = _mm512_max_epi32(x, _mm512_set1_epi32(lo - zp));
    return _mm512_add_epi32(x, _mm512_set1_epi32(zp));
}
Q_TARGET static inline void clamp_store(__m512i x, int32_t zp, int32_t lo, int32_t hi,
                                        __mmask16 kmask, int8_t *y) {
    _mm512_mask_cvtepi32_storeu_epi8(y, kmask, clamp16(x, zp, lo, hi));
}

/* 16 accumulators requantized per lane: comp, multiplier, right shift and
** its mask from 16 lanes each. */
Q_TARGET static inline __m512i requant_lanes(__m512i acc, const int32_t *comp, const int32_t *mult,
                                             const int32_t *rshift, const int32_t *rmask) {
    acc = _mm512_add_epi32(acc, _mm512_load_si512(comp));
    return rdbpot16(srdhm16(acc, _mm512_load_si512(mult)), _mm512_load_si512(rshift),
                    _mm512_load_si512(rmask));
}
/* 16 accumulators of channels [oc, oc + 16) to int8, requantized per
** channel, clamped, stored (lanes of kmask) at y. */
Q_TARGET static inline __m512i requant16(__m512i acc, const q_vnni_w *p, int oc) {
    return requant_lanes(acc, p->comp + oc, p->mult + oc, p->rshift + oc, p->rmask + oc);
}
Q_TARGET static inline void requant_store(__m512i acc, const q_vnni_w *p, int oc, int32_t zp,
                                          int32_t lo, int32_t hi, __mmask16 kmask, int8_t *y) {
    clamp_store(requant16(acc, p, oc), zp, lo, hi, kmask, y);
}

/* Two rows of a layer of at most 8 channels requantized as one vector
** (row a in lanes 0-7, row b in lanes 8-15: the packing repeats channels
** 0-7 in lanes 8-15) and stored as their 2c adjacent bytes at y. */
Q_TARGET static inline void requant_pair(__m512i a, __m512i b, const q_vnni_w *p,
                                         const an_q_layer *l, int8_t *y) {
    const __m512i v = _mm512_inserti64x4(a, _mm512_castsi512_si256(b), 1);
    const __m512i x = clamp16(requant16(v, p, 0), l->zero_point, l->act_min, l->act_max);
    const unsigned c = (unsigned)l->c, one = (1u << c) - 1;
    const __m512i packed = _mm512_maskz_compress_epi32((__mmask16)(one | one << 8), x);
    _mm512_mask_cvtepi32_storeu_epi8(y, (__mmask16)((1u << 2 * c) - 1), packed);
}

/* The TFLite int8 add of n elements, 16 at a time (q_ref_add's arithmetic). */
Q_TARGET static void add_vnni(const an_q_layer *l, int32_t zpa, int32_t zpb, const int8_t *xa,
                              const int8_t *xb, int8_t *y, int64_t n) {
    __m512i m[3], e[3];
    for (int j = 0; j < 3; j++)
        m[j] = _mm512_set1_epi32(l->add_mult[j]),
        e[j] = _mm512_set1_epi32(-l->add_shift[j] < 31 ? -l->add_shift[j] : 31);
    const __m512i za = _mm512_set1_epi32(zpa), zb = _mm512_set1_epi32(zpb);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512i va = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, xa + i));
        __m512i vb = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(k, xb + i));
        va = _mm512_slli_epi32(_mm512_sub_epi32(va, za), AN_Q_ADD_LEFT_SHIFT);
        vb = _mm512_slli_epi32(_mm512_sub_epi32(vb, zb), AN_Q_ADD_LEFT_SHIFT);
        const __m512i sum = _mm512_add_epi32(mbqm16(va, m[0], e[0]), mbqm16(vb, m[1], e[1]));
        clamp_store(mbqm16(sum, m[2], e[2]), l->zero_point, l->act_min, l->act_max, k, y + i);
    }
}

/* Lanes of oc block b that hold real channels. */
static inline __mmask16 lanes(int c, int b) {
    const int n = c - b * 16;
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1);
}

/* MR rows of a (stride lda bytes) times NB oc blocks from block b0; rows
** written to y with stride ldy (the layer's channel count). */
#define Q_TILE(MR, NB)                                                                             \
    Q_TARGET static void tile_##MR##_##NB(const q_rows *A, const q_vnni_w *p, int b0,              \
                                          const an_q_layer *l, int8_t *y, int rows) {              \
        __m512i acc[MR][NB];                                                                       \
        Q_UNROLL for (int r = 0; r < MR; r++) Q_UNROLL for (int j = 0; j < NB; j++) acc[r][j] =    \
            _mm512_setzero_si512();                                                                \
        const int8_t *w = p->w + (size_t)b0 * p->k4 * 64;                                          \
        const size_t bs = (size_t)p->k4 * 64;                                                      \
        for (int ky = 0; ky < p->kh; ky++) {                                                       \
            const uint8_t *a = A->a + (size_t)ky * A->ks;                                          \
            for (int q = 0; q < p->kq; q++, w += 64) {                                             \
                __m512i wv[NB];                                                                    \
                Q_UNROLL for (int j = 0; j < NB; j++) wv[j] = _mm512_load_si512(w + j * bs);       \
                Q_UNROLL for (int r = 0; r < MR; r++) {                                            \
                    int32_t av;                                                                    \
                    memcpy(&av, a + (size_t)r * A->lda + (size_t)q * 4, 4);                        \
                    const __m512i bv = _mm512_set1_epi32(av);                                      \
                    Q_UNROLL for (int j = 0; j < NB; j++) acc[r][j] =                              \
                        _mm512_dpbusd_epi32(acc[r][j], bv, wv[j]);                                 \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        int r = 0;                                                                                 \
        if (NB == 1 && l->c <= 8) /* rows in pairs: one requantization for two */                  \
            for (; r + 1 < MR && r + 1 < rows; r += 2)                                             \
                requant_pair(acc[r][0], acc[r + 1][0], p, l, y + (size_t)r * l->c);                \
        for (; r < MR && r < rows; r++)                                                            \
            Q_UNROLL for (int j = 0; j < NB; j++)                                                  \
                requant_store(acc[r][j], p, (b0 + j) * 16, l->zero_point, l->act_min, l->act_max,  \
                              lanes(l->c, b0 + j), y + (size_t)r * l->c + (b0 + j) * 16);          \
    }
Q_TILE(8, 1)
Q_TILE(7, 1)
Q_TILE(6, 1)
Q_TILE(5, 1)
Q_TILE(8, 2)
Q_TILE(4, 3)
Q_TILE(4, 4)
Q_TILE(1, 1)
Q_TILE(1, 2)
Q_TILE(1, 3)
Q_TILE(1, 4)

/* Rows [0, rows) of A (at most 8, or 4 when more than 2 blocks remain) for
** every oc block. A's memory is readable for full tiles (8 rows). */
Q_TARGET static void rows_all_blocks(const q_rows *A, const q_vnni_w *p, const an_q_layer *l,
                                     int8_t *y, int rows) {
    int b = 0;
    if (rows == 1) {
        for (; b + 4 <= p->ocb; b += 4) tile_1_4(A, p, b, l, y, 1);
        switch (p->ocb - b) {
        case 3:
            tile_1_3(A, p, b, l, y, 1);
            break;
        case 2:
            tile_1_2(A, p, b, l, y, 1);
            break;
        case 1:
            tile_1_1(A, p, b, l, y, 1);
            break;
        default:
            break;
        }
        return;
    }
    for (; b + 4 <= p->ocb; b += 4)
        for (int r = 0; r < rows; r += 4) {
            const q_rows Ar = {A->a + (size_t)r * A->lda, A->lda, A->ks};
            tile_4_4(&Ar, p, b, l, y + (size_t)r * l->c, rows - r);
        }
    const int left = p->ocb - b;
    if (left == 1) { /* rows in even tiles: 10 as 5 + 5, not 8 + 8 */
        const int tiles = (rows + 7) / 8, mr = (rows + tiles - 1) / tiles;
        for (int r = 0; r < rows; r += mr) {
            const q_rows Ar = {A->a + (size_t)r * A->lda, A->lda, A->ks};
            int8_t *yr = y + (size_t)r * l->c;
            if (mr == 7)
                tile_7_1(&Ar, p, b, l, yr, rows - r);
            else if (mr == 6)
                tile_6_1(&Ar, p, b, l, yr, rows - r);
            else if (mr == 5)
                tile_5_1(&Ar, p, b, l, yr, rows - r);
            else
                tile_8_1(&Ar, p, b, l, yr, rows - r);
        }
        return;
    }
    for (int r = 0; left && r < rows; r += left == 3 ? 4 : 8) {
        const q_rows Ar = {A->a + (size_t)r * A->lda, A->lda, A->ks};
        int8_t *yr = y + (size_t)r * l->c;
        if (left == 3)
            tile_4_3(&Ar, p, b, l, yr, rows - r);
        else
            tile_8_2(&Ar, p, b, l, yr, rows - r);
    }
}

/* d[b] = the bytes s[b], s[b + step], s[b + 2 step], s[b + 3 step] as
** one dword (little endian, as vpdpbusd reads a group), for b in [0, n)
** rounded up to 16; s is readable 3 step + 31 bytes past n. */
Q_TARGET static void expand_dwords(const uint8_t *s, int n, int step, int32_t *d) {
    for (int b = 0; b < n; b += 16) {
        __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)(s + b)));
        Q_UNROLL for (int t = 1; t < 4; t++) v = _mm512_or_si512(
            v, _mm512_slli_epi32(
                   _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)(s + b + t * step))), 8 * t));
        _mm512_storeu_si512(d + b, v);
    }
}

/* Vectors [v0, v0 + T) of a narrow conv's output row (outputs 16 v .. of
** the n in the row, stored at y + 16 v): row holds the dwords of the
** row's first kernel row (its groups at p->noff from a pixel's), stride
** dwords per pixel. T is a constant of each call (accumulators in
** registers). */
Q_TARGET static inline __attribute__((always_inline)) void
narrow_vecs(const an_q_layer *l, const q_vnni_w *p, const int32_t *row, int stride, int v0,
            const int T, int8_t *y, int n) {
    __m512i acc[4], idx[4];
    const int32_t *src[4], *q[4];
    const int8_t *w[4];
    Q_UNROLL for (int t = 0; t < T; t++) {
        const int v = v0 + t, ph = v % p->nph;
        src[t] = row + (size_t)(16 * v / l->c) * stride;
        q[t] = p->nq + (size_t)ph * Q_NQ * 16;
        w[t] = p->nw + (size_t)ph * p->ng * 64;
        idx[t] = _mm512_load_si512(q[t] + 64);
        acc[t] = _mm512_setzero_si512();
    }
    for (int g = 0; g < p->ng; g++) {
        const int32_t off = p->noff[g];
        Q_UNROLL for (int t = 0; t < T; t++) acc[t] = _mm512_dpbusd_epi32(
            acc[t], _mm512_permutexvar_epi32(idx[t], _mm512_loadu_si512(src[t] + off)),
            _mm512_load_si512(w[t] + (size_t)g * 64));
    }
    Q_UNROLL for (int t = 0; t < T; t++) {
        const int e = 16 * (v0 + t), left = n - e;
        const __m512i x = requant_lanes(acc[t], q[t], q[t] + 16, q[t] + 32, q[t] + 48);
        clamp_store(x, l->zero_point, l->act_min, l->act_max,
                    left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1), y + e);
    }
}

/* Output row oy of a narrow conv into y [H][W][c] from the dwords d of
** its padded image (wp cells of C channels a row). */
Q_TARGET static void narrow_row(const an_q_layer *l, const q_vnni_w *p, int wp, int C,
                                const int32_t *d, int oy, int8_t *y) {
    const int n = l->w * l->c, nv = (n + 15) / 16, stride = l->sw * C;
    const size_t rs = (size_t)wp * C;
    const int32_t *row = d + (size_t)oy * l->sh * rs;
    int8_t *yr = y + (size_t)oy * n;
    int v = 0;
    for (; v + 4 <= nv; v += 4) narrow_vecs(l, p, row, stride, v, 4, yr, n);
    if (nv - v >= 2) narrow_vecs(l, p, row, stride, v, 2, yr, n), v += 2;
    if (nv - v >= 1) narrow_vecs(l, p, row, stride, v, 1, yr, n);
}

#endif /* Q_VNNI_BUILD */

/* n bytes of x + 128 (x ^ 0x80) into d. */
static void copy_u8(uint8_t *d, const int8_t *x, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, x + i, 8);
        v ^= UINT64_C(0x8080808080808080);
        memcpy(d + i, &v, 8);
    }
    for (; i < n; i++) d[i] = (uint8_t)(x[i] ^ 0x80);
}

/* Padded image extent of a layer: every tap of every output is inside. */
static void padded_dims(const an_q_layer *l, int *hp, int *wp) {
    *hp = (l->h - 1) * l->sh + l->kh;
    *wp = (l->w - 1) * l->sw + l->kw;
}

/* The input as x + 128 bytes with its padding (in_zp + 128) around it:
** pimg [hp][wp][C], cell (iy, ix) at (iy + pt, ix + pl); cells past the
** image (never read by a valid tap) are padding too. */
static void pad_image(const an_q_layer *l, const an_tensor *in, const int8_t *x, uint8_t *pimg) {
    int hp, wp;
    padded_dims(l, &hp, &wp);
    const int C = in->c;
    const uint8_t pad = (uint8_t)((int8_t)in->zero_point ^ 0x80);
    for (int py = 0; py < hp; py++) {
        uint8_t *row = pimg + (size_t)py * wp * C;
        const int iy = py - l->pt;
        if (iy < 0 || iy >= in->h) {
            memset(row, pad, (size_t)wp * C);
            continue;
        }
        int c0, c1; /* image columns [c0, c1) land in the padded row */
        q_taps(-l->pl, wp, in->w, &c0, &c1);
        if (c0 > 0) memset(row, pad, (size_t)c0 * C);
        if (c1 > c0)
            copy_u8(row + (size_t)c0 * C, x + ((int64_t)iy * in->w + c0 - l->pl) * C,
                    (c1 - c0) * C);
        if (c1 < wp) memset(row + (size_t)c1 * C, pad, (size_t)(wp - c1) * C);
    }
}

/* Receptive fields of output positions [p0, p0 + n) as rows of lda bytes,
** kernel row ky a run of kw * C bytes of the padded image at ky * ks. Short
** runs are copied 8 bytes at a time: the excess lands on the next run or in
** the row's tail, whose weights are zero (the scratch has 8 bytes of
** slack). */
static void gather(const an_q_layer *l, const an_tensor *in, const uint8_t *pimg, int p0, int n,
                   uint8_t *a, int lda, int ks) {
    int hp, wp;
    padded_dims(l, &hp, &wp);
    const int C = in->c, KWC = l->kw * C;
    const size_t rstride = (size_t)wp * C;
    for (int i = 0; i < n; i++) {
        const int oy = (p0 + i) / l->w, ox = (p0 + i) % l->w;
        const uint8_t *src = pimg + (size_t)oy * l->sh * rstride + (size_t)ox * l->sw * C;
        uint8_t *row = a + (size_t)i * lda; /* [KH, KW, C] */
        if (KWC <= 8)
            for (int ky = 0; ky < l->kh; ky++) memcpy(row + ky * ks, src + ky * rstride, 8);
        else
            for (int ky = 0; ky < l->kh; ky++)
                memcpy(row + ky * ks, src + ky * rstride, (size_t)KWC);
    }
}

/* The scalar requantization of a layer with left shifts: y [rows][c] from
** the accumulators that the reference would compute (slow, never made by
** the quantizer; kept exact). */
static void rows_left_shift(const an_q_layer *l, const q_vnni_w *p, const q_rows *A, int rows,
                            int8_t *y) {
    const int kr = l->k / p->kh;
    for (int r = 0; r < rows; r++)
        for (int oc = 0; oc < l->c; oc++) {
            int32_t acc = l->bias[oc];
            const int8_t *w = l->weights + (int64_t)oc * l->k;
            for (int k = 0; k < l->k; k++)
                acc += ((int32_t)A->a[r * A->lda + (size_t)(k / kr) * A->ks + k % kr] - 128) * w[k];
            y[(size_t)r * l->c + oc] =
                q_requant(acc, l->mult[oc], l->shift[oc], l->zero_point, l->act_min, l->act_max);
        }
}

static void rows_vnni(const an_q_layer *l, const q_vnni_w *p, const q_rows *A, int rows,
                      int8_t *y) {
#ifdef Q_VNNI_BUILD
    if (!p->left) {
        rows_all_blocks(A, p, l, y, rows);
        return;
    }
#endif
    rows_left_shift(l, p, A, rows, y);
}

/* Bytes of the gathered rows in a thread's scratch (the padded image
** follows them). */
static size_t rows_bytes(const an_q_layer *l) {
    int kh, kq;
    k_groups(l, &kh, &kq);
    return ((size_t)Q_VNNI_ROWS * (size_t)kh * kq * 4 + 8 + 63) & ~(size_t)63;
}

/* Bytes read past the padded image by the direct conv's last tile: up to
** 7 rows beyond the output row and the tail of a kernel row's last group. */
static size_t image_slack(const an_q_layer *l, const an_tensor *in) {
    return (size_t)(8 * l->sw + l->kw) * in->c + 8;
}

/* Whether a conv reads its rows straight from the padded image: output
** rows that fill a tile of 8. */
static int direct(const an_q_layer *l) {
    return l->w >= 8;
}

void q_vnni_add(const an_q_layer *l, const an_tensor *a, const an_tensor *b, const int8_t *xa,
                const int8_t *xb, int8_t *y) {
#ifdef Q_VNNI_BUILD
    if (l->add_shift[0] <= 0 && l->add_shift[1] <= 0 && l->add_shift[2] <= 0) {
        add_vnni(l, a->zero_point, b->zero_point, xa, xb, y, (int64_t)l->h * l->w * l->c);
        return;
    }
#endif
    q_ref_add(l, a, b, xa, xb, y);
}

/* Bytes of the padded image of conv l (without its slack). */
static size_t image_bytes(const an_q_layer *l, const an_tensor *in) {
    int hp, wp;
    padded_dims(l, &hp, &wp);
    return (size_t)hp * wp * in->c;
}

/* Where a narrow conv's dwords start after its padded image: past the
** image's slack and 64 bytes more (expand_dwords reads 34 bytes past the
** image), 64-byte aligned. */
static size_t dwords_at(const an_q_layer *l, const an_tensor *in) {
    return (image_bytes(l, in) + image_slack(l, in) + 64 + 63) & ~(size_t)63;
}

size_t q_vnni_scratch(const an_q_layer *l, const an_tensor *in) {
    size_t n = rows_bytes(l);
    if (l->op == AN_Q_CONV2D && narrow(l)) /* the horizontal and vertical expansions */
        n += dwords_at(l, in) + 2 * 4 * expansion_dwords(l);
    else if (l->op == AN_Q_CONV2D)
        n += image_bytes(l, in) + image_slack(l, in);
    return n;
}

/* Chunk ch of a conv's output, requantized into y: output row ch read
** from the padded image (direct), or positions [ch * Q_VNNI_ROWS,
** +Q_VNNI_ROWS) gathered into a (a thread's rows). */
static void conv_chunk(const an_q_layer *l, const q_vnni_w *p, const an_tensor *in,
                       const uint8_t *pimg, int ch, uint8_t *a, int8_t *y) {
    int hp, wp;
    padded_dims(l, &hp, &wp);
#ifdef Q_VNNI_BUILD
    if (p->nph) {
        narrow_row(l, p, wp, in->c, (const int32_t *)(pimg + dwords_at(l, in)), ch, y);
        return;
    }
#endif
    if (direct(l)) {
        const size_t C = (size_t)in->c;
        const q_rows A = {pimg + (size_t)ch * l->sh * wp * C, l->sw * C, wp * C};
        rows_vnni(l, p, &A, l->w, y + (size_t)ch * l->w * l->c);
        return;
    }
    const int P = l->h * l->w, lda = p->k4 * 4;
    const int p0 = ch * Q_VNNI_ROWS, n = P - p0 < Q_VNNI_ROWS ? P - p0 : Q_VNNI_ROWS;
    gather(l, in, pimg, p0, n, a, lda, p->kq * 4);
    const q_rows A = {a, (size_t)lda, (size_t)p->kq * 4};
    rows_vnni(l, p, &A, n, y + (size_t)p0 * l->c);
}

void q_vnni_conv2d(const an_q_layer *l, const q_vnni_w *p, const an_tensor *in, const int8_t *x,
                   int8_t *y, uint8_t *scratch, size_t scratch_stride, int par) {
    const int P = l->h * l->w;
    const int chunks = direct(l) || p->nph ? l->h : (P + Q_VNNI_ROWS - 1) / Q_VNNI_ROWS;
    uint8_t *pimg = scratch + rows_bytes(l); /* shared by the threads */
    pad_image(l, in, x, pimg);
#ifdef Q_VNNI_BUILD
    if (p->nph) { /* the expansions; the vertical one of every byte 3 rows above the end */
        int hp, wp;
        padded_dims(l, &hp, &wp);
        int32_t *d = (int32_t *)(pimg + dwords_at(l, in));
        const int n = (int)image_bytes(l, in), rs = wp * in->c;
        expand_dwords(pimg, n, 1, d);
        if (p->nvert) expand_dwords(pimg, n - 3 * rs, rs, d + expansion_dwords(l));
    }
#endif
    /* threads only where the work outweighs waking them; no parallel
     * region at all otherwise (inside a batch's region it would be a
     * nested team of one per call) */
    if (par && chunks > 1 && (int64_t)P * l->k * l->c >= Q_VNNI_PAR_MACS) {
#pragma omp parallel for schedule(static)
        for (int ch = 0; ch < chunks; ch++)
            conv_chunk(l, p, in, pimg, ch, scratch + (size_t)omp_get_thread_num() * scratch_stride,
                       y);
        return;
    }
    for (int ch = 0; ch < chunks; ch++) conv_chunk(l, p, in, pimg, ch, scratch, y);
}

void q_vnni_dense(const an_q_layer *l, const q_vnni_w *p, const int8_t *x, int8_t *y,
                  uint8_t *scratch) {
    const int lda = p->k4 * 4;
    copy_u8(scratch, x, l->k);
    memset(scratch + l->k, 0, (size_t)(lda - l->k));
    const q_rows A = {scratch, (size_t)lda, 0};
    rows_vnni(l, p, &A, 1, y);
}
