/*
** Shared helpers of the float kernels: output size and leading padding of a
** window along one axis, and the thread count used by OpenMP and OpenBLAS.
**
** Contract
** - nn_out_size/nn_pad_before follow Keras/TensorFlow: "valid" keeps only
**   windows that fit (no padding), "same" gives ceil(in/stride) outputs and
**   pads with (total/2) before, the odd cell going bottom/right.
** - Degenerate inputs (in < 1, k < 1, stride < 1, or a "valid" window larger
**   than the input) give an output size of 0 and a pad of 0; callers reject
**   such shapes with a message before running a kernel.
** - nn_set_threads(n) with n < 1 leaves the thread counts unchanged.
*/
#include "nn/kernels.h"

#include <cblas.h>
#include <omp.h>

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
    if (n < 1) return;
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
}
