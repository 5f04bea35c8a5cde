/*
** Fully connected layer, out = in @ w + b, by nn_sgemm, and the bias
** gradient (column sums) shared with conv2d.
**
** Contract
** - Forward overwrites out [B, N]. Backward accumulates dw [K, N] and
**   db [N] and overwrites din [B, K]; a NULL din, dw or db skips that part.
** - nn_bias_grad sums each column over a fixed partition of the rows into
**   BIAS_CHUNKS pieces (float within blocks of BIAS_BLOCK rows, double
**   across blocks), the pieces added in order: the result is the same for
**   every thread count.
** - Limits: B, K and N must each fit in an int (cblas).
*/
#include "nn/kernels.h"

#include <string.h>

/* Rows of dout are split into this many fixed pieces for nn_bias_grad. */
#define BIAS_CHUNKS 8
/* Columns summed per pass (a stack accumulator per piece). */
#define BIAS_COLS 64

/* Rows summed in float before each addition into the double sums. */
#define BIAS_BLOCK 32

/* acc [nc] = column sums of dout rows [r0, r1) restricted to columns
** [c0, c0 + nc) of a [*, N] matrix: float sums over blocks of BIAS_BLOCK
** rows (4 lanes at once), added into double. */
static void colsum_rows(double *acc, const float *dout, int64_t r0, int64_t r1, int N, int c0,
                        int nc) {
    for (int j = 0; j < nc; j++) acc[j] = 0.0;
    for (int64_t i0 = r0; i0 < r1; i0 += BIAS_BLOCK) {
        const int64_t i1 = i0 + BIAS_BLOCK < r1 ? i0 + BIAS_BLOCK : r1;
        float blk[BIAS_COLS]; /* [nc] block sums */
        for (int j = 0; j < nc; j++) blk[j] = 0.0f;
        for (int64_t i = i0; i < i1; i++) {
            const float *row = dout + (size_t)i * (size_t)N + c0; /* [nc] */
#pragma omp simd
            for (int j = 0; j < nc; j++) blk[j] += row[j];
        }
        for (int j = 0; j < nc; j++) acc[j] += (double)blk[j];
    }
}

void nn_bias_grad(float *db, const float *dout, int64_t M, int N) {
    if (M <= 0 || N <= 0) return;
    const int par = M * (int64_t)N >= 65536;
    for (int c0 = 0; c0 < N; c0 += BIAS_COLS) {
        const int nc = N - c0 < BIAS_COLS ? N - c0 : BIAS_COLS;
        double part[BIAS_CHUNKS][BIAS_COLS]; /* per-piece column sums */
#pragma omp parallel for schedule(static) if (par)
        for (int k = 0; k < BIAS_CHUNKS; k++)
            colsum_rows(part[k], dout, M * k / BIAS_CHUNKS, M * (k + 1) / BIAS_CHUNKS, N, c0, nc);
        for (int j = 0; j < nc; j++) {
            double s = 0.0;
            for (int k = 0; k < BIAS_CHUNKS; k++) s += part[k][j];
            db[c0 + j] += (float)s;
        }
    }
}

void nn_dense_forward(float *out, const float *in, const float *w, const float *b, int B, int K,
                      int N) {
    if (B <= 0 || N <= 0) return;
    if (K <= 0) {
        for (int i = 0; i < B; i++) {
            float *o = out + (size_t)i * N; /* [N] */
            for (int j = 0; j < N; j++) o[j] = b ? b[j] : 0.0f;
        }
        return;
    }
    float beta = 0.0f;
    if (b) {
        for (int i = 0; i < B; i++) memcpy(out + (size_t)i * N, b, (size_t)N * sizeof(float));
        beta = 1.0f;
    }
    /* out [B, N] (+)= in [B, K] @ w [K, N] */
    nn_sgemm(0, 0, B, N, K, 1.0f, in, K, w, N, beta, out, N);
}

void nn_dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                       const float *w, int B, int K, int N) {
    if (B <= 0 || K <= 0 || N <= 0) {
        if (din && B > 0 && K > 0) memset(din, 0, (size_t)B * K * sizeof(float));
        return;
    }
    if (db) nn_bias_grad(db, dout, B, N);
    /* dw [K, N] += in^T [K, B] @ dout [B, N] */
    if (dw) nn_sgemm(1, 0, K, N, B, 1.0f, in, K, dout, N, 1.0f, dw, N);
    /* din [B, K] = dout [B, N] @ w^T [N, K] */
    if (din) nn_sgemm(0, 1, B, K, N, 1.0f, dout, N, w, N, 0.0f, din, K);
}
