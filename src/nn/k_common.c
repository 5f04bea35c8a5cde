/*
** Shared helpers of the float kernels: output size and leading padding of a
** window along one axis, the thread count, and the threaded sgemm that the
** conv and dense kernels use.
**
** Contract
** - nn_out_size/nn_pad_before follow Keras/TensorFlow: "valid" keeps only
**   windows that fit (no padding), "same" gives ceil(in/stride) outputs and
**   pads with (total/2) before, the odd cell going bottom/right.
** - Degenerate inputs (in < 1, k < 1, stride < 1, or a "valid" window larger
**   than the input) give an output size of 0 and a pad of 0; callers reject
**   such shapes with a message before running a kernel.
** - nn_set_threads(n) sets the OpenMP team size and keeps OpenBLAS at one
**   thread; n < 1 leaves the team size unchanged.
** - nn_sgemm splits C into one slice per thread along its rows (or its
**   columns when it has fewer rows than columns), slice edges on multiples
**   of GEMM_ALIGN; each slice is one single-threaded cblas_sgemm. The K
**   dimension is never split, so every element of C is summed in the same
**   order for a given thread count. Small products run on one thread.
**
** Why not OpenBLAS threads: on the seed CNN's shapes (e.g. [3872 x 288] @
** [288 x 64]) on a 2-core VM, OpenBLAS's own 2 threads took a median 1.9 ms
** against 0.72 ms for two OpenMP threads each calling single-threaded
** OpenBLAS on half the rows, and its spinning workers would compete with
** the OpenMP team in im2col and pooling.
*/
#include "nn/kernels.h"

#include <cblas.h>
#include <omp.h>

/* Below this many flops a product runs on the calling thread alone. */
#define GEMM_PAR_MIN_FLOPS 1.0e6
/* Slice edges fall on multiples of this (whole micro-kernel tiles). */
#define GEMM_ALIGN 16

int nn_out_size(int in, int k, int stride, int same) {
    if (in < 1 || k < 1 || stride < 1) return 0;
    if (same) return (in + stride - 1) / stride;
    if (k > in) return 0;
    return (in - k) / stride + 1;
}

int nn_pad_before(int in, int k, int stride, int same) {
    if (!same || in < 1 || k < 1 || stride < 1) return 0;
    int out = (in + stride - 1) / stride;
    int total = (out - 1) * stride + k - in;
    return total > 0 ? total / 2 : 0;
}

void nn_set_threads(int n) {
    if (n >= 1) omp_set_num_threads(n);
    openblas_set_num_threads(1);
}

/* Edge of slice t of n over [0, len): a multiple of GEMM_ALIGN, or len. */
static int slice_edge(int len, int t, int n) {
    const int64_t units = ((int64_t)len + GEMM_ALIGN - 1) / GEMM_ALIGN;
    const int64_t at = units * t / n * GEMM_ALIGN;
    return at < len ? (int)at : len;
}

void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    const enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
    const enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
    const int team = omp_get_max_threads();
    if (team <= 1 || omp_in_parallel() || 2.0 * M * N * K < GEMM_PAR_MIN_FLOPS) {
        cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    const int by_rows = M >= N;
#pragma omp parallel num_threads(team)
    {
        const int t = omp_get_thread_num(), n = omp_get_num_threads();
        if (by_rows) {
            /* rows [r0, r1) of C: rows of op(A) */
            const int r0 = slice_edge(M, t, n), r1 = slice_edge(M, t + 1, n);
            const float *a = trans_a ? A + r0 : A + (size_t)r0 * lda;
            if (r1 > r0)
                cblas_sgemm(CblasRowMajor, ta, tb, r1 - r0, N, K, alpha, a, lda, B, ldb, beta,
                            C + (size_t)r0 * ldc, ldc);
        } else {
            /* columns [c0, c1) of C: columns of op(B) */
            const int c0 = slice_edge(N, t, n), c1 = slice_edge(N, t + 1, n);
            const float *b = trans_b ? B + (size_t)c0 * ldb : B + c0;
            if (c1 > c0)
                cblas_sgemm(CblasRowMajor, ta, tb, M, c1 - c0, K, alpha, A, lda, b, ldb, beta,
                            C + c0, ldc);
        }
    }
}
