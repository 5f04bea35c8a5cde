/*
** The AVX2 (+ FMA) tile kernels of the fast float path (fk.h): 8 floats
** per vector, tiles of 6 rows x 16 columns or 12 x 8, the accumulators in
** 12 of the 16 ymm registers; otherwise the AVX-512 kernels' scheme (bias
** first, broadcast A, clamp, masked stores past nr, one instance per row
** count).
*/
#include "fk.h"

#if defined(__x86_64__)
#include <immintrin.h>

int fk_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#define FK256  __attribute__((target("avx2,fma")))
#define UNROLL _Pragma("GCC unroll 16")

/* maskstore lanes of vector v that hold columns below nr. */
FK256 static inline __m256i col_mask(int nr, int v) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(nr - v * 8), lane);
}

FK256 static inline __attribute__((always_inline)) void body(const fk_tile *t, const int MR,
                                                             const int NV) {
    __m256 acc[12][2]; /* [MR][NV] used */
    UNROLL for (int v = 0; v < NV; v++) {
        const __m256 b = _mm256_loadu_ps(t->bias + v * 8);
        UNROLL for (int i = 0; i < MR; i++) acc[i][v] = b;
    }
    const float *w = t->b; /* [K][NV * 8] */
    const ptrdiff_t lda = t->lda;
    for (int s = 0; s < t->nseg; s++) {
        const float *a = t->a + t->seg[s]; /* [MR] rows of seglen */
        for (int k = 0; k < t->seglen; k++, w += NV * 8) {
            __m256 wv[2];
            UNROLL for (int v = 0; v < NV; v++) wv[v] = _mm256_loadu_ps(w + v * 8);
            UNROLL for (int i = 0; i < MR; i++) {
                const __m256 av = _mm256_broadcast_ss(a + i * lda + k);
                UNROLL for (int v = 0; v < NV; v++) acc[i][v] =
                    _mm256_fmadd_ps(av, wv[v], acc[i][v]);
            }
        }
    }
    const __m256 lo = _mm256_set1_ps(t->lo), hi = _mm256_set1_ps(t->hi);
    UNROLL for (int i = 0; i < MR; i++) {
        float *c = t->c + i * t->ldc; /* [nr] */
        UNROLL for (int v = 0; v < NV; v++) {
            const __m256 r = _mm256_min_ps(_mm256_max_ps(acc[i][v], lo), hi);
            if (v * 8 + 8 <= t->nr)
                _mm256_storeu_ps(c + v * 8, r);
            else
                _mm256_maskstore_ps(c + v * 8, col_mask(t->nr, v), r);
        }
    }
}

#define TILE(MR, NV)                                                                               \
    FK256 static void tile_##MR##_##NV(const fk_tile *t) {                                         \
        body(t, MR, NV);                                                                           \
    }
TILE(1, 1)
TILE(2, 1)
TILE(3, 1)
TILE(4, 1)
TILE(5, 1)
TILE(6, 1)
TILE(7, 1)
TILE(8, 1)
TILE(9, 1)
TILE(10, 1)
TILE(11, 1)
TILE(12, 1)
TILE(1, 2)
TILE(2, 2)
TILE(3, 2)
TILE(4, 2)
TILE(5, 2)
TILE(6, 2)

typedef void (*tile_fn)(const fk_tile *t);
static const tile_fn NV1[12] = {tile_1_1, tile_2_1, tile_3_1, tile_4_1,  tile_5_1,  tile_6_1,
                                tile_7_1, tile_8_1, tile_9_1, tile_10_1, tile_11_1, tile_12_1};
static const tile_fn NV2[6] = {tile_1_2, tile_2_2, tile_3_2, tile_4_2, tile_5_2, tile_6_2};

/* One table per vector width (see fk_avx512.c). */
static void tile(const fk_tile *t, int nv) {
    if (nv == 2)
        NV2[t->mr - 1](t);
    else
        NV1[t->mr - 1](t);
}

const fk_isa FK_AVX2 = {"AVX2", 8, 2, {12, 6}, tile};

#else
int fk_has_avx2(void) {
    return 0;
}
const fk_isa FK_AVX2 = {"AVX2", 8, 0, {0}, 0};
#endif
