/*
** The AVX-512 tile kernels of the fast float path (fk.h): 16 floats per
** vector, tiles of 6 rows x 64 columns, 14 x 32 or 14 x 16, every
** accumulator in a register (24 or 28 of the 32 zmm). Each step of k loads
** the panel's nv vectors once and broadcasts one A value per row into nv
** FMAs. The bias starts the sums and the clamp and masked stores (columns
** past nr) finish them. A tile with fewer rows runs an instance compiled
** for exactly that many, so nothing past row mr is read.
*/
#include "fk.h"

#if defined(__x86_64__)
#include <immintrin.h>

int fk_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
}

#define FK512  __attribute__((target("avx512f")))
#define UNROLL _Pragma("GCC unroll 16")

/* Lanes of vector v that hold columns below nr. */
FK512 static inline __mmask16 col_mask(int nr, int v) {
    const int n = nr - v * 16;
    return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? 0 : (__mmask16)((1u << n) - 1);
}

/* The tile body for MR rows by NV vectors (constants after inlining). */
FK512 static inline __attribute__((always_inline)) void body(const fk_tile *t, const int MR,
                                                             const int NV) {
    __m512 acc[14][FK_MAX_NV]; /* [MR][NV] used */
    UNROLL for (int v = 0; v < NV; v++) {
        const __m512 b = _mm512_loadu_ps(t->bias + v * 16);
        UNROLL for (int i = 0; i < MR; i++) acc[i][v] = b;
    }
    const float *w = t->b; /* [K][NV * 16] */
    const ptrdiff_t lda = t->lda;
    for (int s = 0; s < t->nseg; s++) {
        const float *a = t->a + t->seg[s]; /* [MR] rows of seglen */
        for (int k = 0; k < t->seglen; k++, w += NV * 16) {
            __m512 wv[FK_MAX_NV];
            UNROLL for (int v = 0; v < NV; v++) wv[v] = _mm512_load_ps(w + v * 16);
            UNROLL for (int i = 0; i < MR; i++) {
                const __m512 av = _mm512_set1_ps(a[i * lda + k]);
                UNROLL for (int v = 0; v < NV; v++) acc[i][v] =
                    _mm512_fmadd_ps(av, wv[v], acc[i][v]);
            }
        }
    }
    const __m512 lo = _mm512_set1_ps(t->lo), hi = _mm512_set1_ps(t->hi);
    UNROLL for (int i = 0; i < MR; i++) {
        float *c = t->c + i * t->ldc; /* [nr] */
        UNROLL for (int v = 0; v < NV; v++) {
            const __m512 r = _mm512_min_ps(_mm512_max_ps(acc[i][v], lo), hi);
            if (v * 16 + 16 <= t->nr)
                _mm512_storeu_ps(c + v * 16, r);
            else
                _mm512_mask_storeu_ps(c + v * 16, col_mask(t->nr, v), r);
        }
    }
}

#define TILE(MR, NV)                                                                               \
    FK512 static void tile_##MR##_##NV(const fk_tile *t) {                                         \
        body(t, MR, NV);                                                                           \
    }
#define ROWS_14(NV)                                                                                \
    TILE(1, NV)                                                                                    \
    TILE(2, NV)                                                                                    \
    TILE(3, NV)                                                                                    \
    TILE(4, NV)                                                                                    \
    TILE(5, NV)                                                                                    \
    TILE(6, NV)                                                                                    \
    TILE(7, NV)                                                                                    \
    TILE(8, NV) TILE(9, NV) TILE(10, NV) TILE(11, NV) TILE(12, NV) TILE(13, NV) TILE(14, NV)
ROWS_14(1)
ROWS_14(2)
TILE(1, 4)
TILE(2, 4)
TILE(3, 4)
TILE(4, 4)
TILE(5, 4)
TILE(6, 4)

typedef void (*tile_fn)(const fk_tile *t);
#define ROW_FNS(NV)                                                                                \
    {                                                                                              \
        tile_1_##NV, tile_2_##NV, tile_3_##NV, tile_4_##NV, tile_5_##NV, tile_6_##NV, tile_7_##NV, \
            tile_8_##NV, tile_9_##NV, tile_10_##NV, tile_11_##NV, tile_12_##NV, tile_13_##NV,      \
            tile_14_##NV                                                                           \
    }
static const tile_fn NV1[14] = ROW_FNS(1), NV2[14] = ROW_FNS(2);
static const tile_fn NV4[6] = {tile_1_4, tile_2_4, tile_3_4, tile_4_4, tile_5_4, tile_6_4};

/* One table per vector width: a conditional over arrays of different
 * lengths would index an object of unknown size (UBSan's object-size). */
static void tile(const fk_tile *t, int nv) {
    if (nv == 4)
        NV4[t->mr - 1](t);
    else if (nv == 2)
        NV2[t->mr - 1](t);
    else
        NV1[t->mr - 1](t);
}

/* nv = 3 is never chosen: max_nv 4 with mr[2] = 0 marks it absent. */
const fk_isa FK_AVX512 = {"AVX-512", 16, 4, {14, 14, 0, 6}, tile};

#else
int fk_has_avx512(void) {
    return 0;
}
const fk_isa FK_AVX512 = {"AVX-512", 16, 0, {0}, 0};
#endif
