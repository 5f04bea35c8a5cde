/*
** The packed GEMM of the fast float path (fk.h): weight packing into
** panels, the loop over tiles, and the plain C tile kernel (the scalar
** family, for CPUs without AVX2 and for tests).
**
** Contract
** - fk_pack picks the vector count per tile (nv) that pads N the least
**   (ties go to the wider tile), lays w [K][N] out as panels [N/NR][K][NR]
**   and the bias as [N/NR][NR], zeros in the padding.
** - fk_gemm walks M in tiles of the family's MR rows for that nv (the last
**   one shorter), and for each tile every panel in [p0, p1): one block of
**   A rows is reused from L1 across the panels.
*/
#include "fk.h"

#include <stdlib.h>
#include <string.h>

/* Plain C tile: mr rows by one panel of nv * 16 columns. */
static void scalar_tile(const fk_tile *t, int nv) {
    enum { MR = 4, NR = 16 * FK_MAX_NV };
    const int nr = nv * 16;
    float acc[MR][NR]; /* [mr][nr] used */
    for (int i = 0; i < t->mr; i++)
        for (int j = 0; j < nr; j++) acc[i][j] = t->bias[j];
    const float *w = t->b; /* [K][nr] */
    for (int s = 0; s < t->nseg; s++) {
        const float *a = t->a + t->seg[s]; /* [mr] rows of seglen */
        for (int k = 0; k < t->seglen; k++, w += nr)
            for (int i = 0; i < t->mr; i++) {
                const float av = a[i * t->lda + k];
                for (int j = 0; j < nr; j++) acc[i][j] += av * w[j];
            }
    }
    for (int i = 0; i < t->mr; i++) {
        float *c = t->c + i * t->ldc; /* [nr] */
        for (int j = 0; j < t->nr; j++) {
            const float v = acc[i][j] < t->lo ? t->lo : acc[i][j];
            c[j] = v > t->hi ? t->hi : v;
        }
    }
}

const fk_isa FK_SCALAR = {"scalar", 16, 1, {4}, scalar_tile};

/* The vector count whose panels pad N the least (the wider on a tie). */
static int pick_nv(const fk_isa *isa, int N) {
    int best = 1;
    long best_pad = -1;
    for (int nv = 1; nv <= isa->max_nv; nv++) {
        if (isa->mr[nv - 1] <= 0) continue;
        const long nr = (long)nv * isa->lanes, pad = (N + nr - 1) / nr * nr;
        if (best_pad < 0 || pad <= best_pad) best = nv, best_pad = pad;
    }
    return best;
}

an_status fk_pack(fk_packed *p, const fk_isa *isa, const float *w, const float *bias, int K,
                  int N) {
    memset(p, 0, sizeof *p);
    p->K = K, p->N = N;
    p->nv = pick_nv(isa, N);
    p->nr = p->nv * isa->lanes;
    p->panels = (N + p->nr - 1) / p->nr;
    const size_t cols = (size_t)p->panels * p->nr;
    const size_t nw = cols * (size_t)(K > 0 ? K : 1) * sizeof(float);
    p->w = aligned_alloc(64, (nw + 63) / 64 * 64);
    p->bias = aligned_alloc(64, (cols * sizeof(float) + 63) / 64 * 64);
    if (!p->w || !p->bias) {
        fk_packed_free(p);
        return AN_ERR_NOMEM;
    }
    for (int q = 0; q < p->panels; q++) {
        float *pw = p->w + (size_t)q * K * p->nr; /* [K][nr] */
        for (int k = 0; k < K; k++)
            for (int j = 0; j < p->nr; j++) {
                const int n = q * p->nr + j;
                pw[(size_t)k * p->nr + j] = n < N ? w[(size_t)k * N + n] : 0.0f;
            }
        for (int j = 0; j < p->nr; j++) {
            const int n = q * p->nr + j;
            p->bias[(size_t)q * p->nr + j] = n < N && bias ? bias[n] : 0.0f;
        }
    }
    return AN_OK;
}

void fk_packed_free(fk_packed *p) {
    free(p->w);
    free(p->bias);
    p->w = p->bias = NULL;
}

void fk_gemm(const fk_isa *isa, const fk_packed *p, int p0, int p1, const float *a, ptrdiff_t lda,
             const ptrdiff_t *seg, int nseg, int seglen, int M, float *c, ptrdiff_t ldc, float lo,
             float hi) {
    const int MR = isa->mr[p->nv - 1];
    fk_tile t = {.lda = lda, .seg = seg, .nseg = nseg, .seglen = seglen, .ldc = ldc};
    t.lo = lo, t.hi = hi;
    for (int m0 = 0; m0 < M; m0 += MR) {
        t.a = a + m0 * lda;
        t.mr = M - m0 < MR ? M - m0 : MR;
        for (int q = p0; q < p1; q++) {
            const int n0 = q * p->nr;
            t.b = p->w + (size_t)q * p->K * p->nr;
            t.bias = p->bias + n0;
            t.c = c + m0 * ldc + n0;
            t.nr = p->N - n0 < p->nr ? p->N - n0 : p->nr;
            isa->tile(&t, p->nv);
        }
    }
}
