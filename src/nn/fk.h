/*
** Internals of the fast float inference path (an_f_engine): the packed
** GEMM tile kernels (one family per instruction set: AVX-512, AVX2, plain
** C), weight packing, and the per-sample NHWC ops around them.
**
** Contract
** - One product shape serves conv2d (any kernel, stride and padding, as an
**   implicit GEMM over a zero-padded NHWC input: no im2col) and dense: C
**   rows are output positions (or samples), row i of A starts at
**   a + i * lda and its K values are nseg contiguous runs of seglen floats
**   at offsets seg[s]. For a conv output row: lda = stride * C, one run per
**   kernel row (KW * C floats), so K is in HWIO order.
** - Weights are packed once per model into panels [N / NR][K][NR] of NR =
**   nv * lanes columns (zero padded), bias into [N / NR][NR].
** - A tile computes mr <= MR rows by one panel, starting from the bias,
**   clamps to [lo, hi] (ReLU: lo = 0; ReLU6: hi = 6; none: +-infinity) and
**   stores the nr <= NR valid columns. K is never split, so each output is
**   summed in the same order on every thread count and batch size.
*/
#ifndef ASICNN_NN_FK_H
#define ASICNN_NN_FK_H

#include "asicnn/core.h"

#include <stddef.h>

/* The most vectors one tile spans across N. */
#define FK_MAX_NV 4

/* One tile of C = clamp(A @ Bpanel + bias). */
typedef struct fk_tile {
    const float *a;       /* A row 0: row i at a + i*lda, run s at + seg[s] */
    ptrdiff_t lda;        /* floats between A rows */
    const ptrdiff_t *seg; /* [nseg] offsets of the K runs */
    int nseg, seglen;     /* K = nseg * seglen */
    const float *b;       /* [K][NR] packed panel */
    const float *bias;    /* [NR] */
    float *c;             /* C row 0: [mr][ldc], nr columns written */
    ptrdiff_t ldc;
    int mr, nr; /* valid rows (1..MR) and columns (1..NR) */
    float lo, hi;
} fk_tile;

/* A kernel family: lanes floats per vector, tiles of nv = 1..max_nv
** vectors (NR = nv * lanes) by up to mr[nv - 1] rows. */
typedef struct fk_isa {
    const char *name;
    int lanes, max_nv;
    int mr[FK_MAX_NV];
    void (*tile)(const fk_tile *t, int nv);
} fk_isa;

extern const fk_isa FK_SCALAR; /* fk_gemm.c */
extern const fk_isa FK_AVX2;   /* fk_avx2.c */
extern const fk_isa FK_AVX512; /* fk_avx512.c */

/* Whether this CPU runs the AVX2 (with FMA) / AVX-512 (F) kernels. */
int fk_has_avx2(void);
int fk_has_avx512(void);

/* A layer's weights packed for one kernel family. */
typedef struct fk_packed {
    int K, N, nv, nr, panels;
    float *w;    /* [panels][K][nr], 64-byte aligned */
    float *bias; /* [panels][nr] */
} fk_packed;

/* Pack w [K][N] (row-major, e.g. HWIO or a dense kernel) and bias [N] (or
** NULL: zeros); nv chosen to waste the fewest padded columns. 0 or
** AN_ERR_NOMEM. */
an_status fk_pack(fk_packed *p, const fk_isa *isa, const float *w, const float *bias, int K, int N);
void fk_packed_free(fk_packed *p);

/* C [M][ldc] = clamp(A @ W + bias) over panels [p0, p1) for M rows of A
** (row i at a + i*lda, runs seg), in tiles of the family's MR rows. */
void fk_gemm(const fk_isa *isa, const fk_packed *p, int p0, int p1, const float *a, ptrdiff_t lda,
             const ptrdiff_t *seg, int nseg, int seglen, int M, float *c, ptrdiff_t ldc, float lo,
             float hi);

/* ---- per-sample NHWC ops (fk_ops.c) ---- */

/* Geometry of a window op on one sample. */
typedef struct fk_win {
    int H, W, C, OH, OW, KH, KW, SH, SW, PT, PL;
} fk_win;

/* dst [Hp][Wp][C] = src [H][W][C] placed at row PT, column PL, rows
** [r0, r1) of dst only; cells of dst outside src are left as they are
** (zero from allocation: the padding). */
void fk_pad_copy(float *dst, int Hp, int Wp, const float *src, const fk_win *g, int r0, int r1);
/* Output rows [oh0, oh1) of max / average pooling of one sample, out
** [OH][OW][C] from in [H][W][C], over the valid cells of each window (the
** reference semantics; a window with no valid cell gives 0). */
void fk_maxpool(float *out, const float *in, const fk_win *g, int oh0, int oh1);
void fk_avgpool(float *out, const float *in, const fk_win *g, int oh0, int oh1);
/* out [n] = clamp(a + b, lo, hi). */
void fk_add(float *out, const float *a, const float *b, size_t n, float lo, float hi);
/* out [n] = clamp(in, lo, hi) (a ReLU that could not be fused). */
void fk_clamp(float *out, const float *in, size_t n, float lo, float hi);
/* Inference batchnorm of positions [P][C]: out = clamp((in - mean[c]) *
** scale[c] + shift[c], lo, hi). */
void fk_affine(float *out, const float *in, const float *mean, const float *scale,
               const float *shift, size_t P, int C, float lo, float hi);

#endif /* ASICNN_NN_FK_H */
