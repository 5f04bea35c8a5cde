/*
** Element-wise kernels: ReLU / ReLU6, addition and inverted dropout.
**
** Contract
** - Forward kernels overwrite out; out may alias an input (in place).
** - nn_relu_backward writes din = dout where the forward output lies in the
**   open interval (0, cap) (cap 0: (0, inf)) and 0 elsewhere; din may alias
**   dout.
** - Dropout keeps element i when a uniform draw is >= rate; mask[i] is then
**   1/(1-rate), otherwise 0. Draws come from PCG32 streams, one per block of
**   DROP_BLOCK elements (stream = block index, seeded with seed), so the mask
**   depends on seed and n only, never on the thread count. rate <= 0 keeps
**   everything (mask 1); rate >= 1 drops everything (mask 0).
** - Large arrays split over OpenMP threads; each element is independent.
*/
#include "nn/kernels.h"

#include "asicnn/core.h"

/* Parallelise a loop only when it touches at least this many floats. */
#define PAR_MIN 65536
/* Elements per dropout RNG stream. */
#define DROP_BLOCK 4096

void nn_relu_forward(float *out, const float *in, size_t n, float cap) {
    const ptrdiff_t m = (ptrdiff_t)n;
    if (cap > 0.0f) {
#pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
        for (ptrdiff_t i = 0; i < m; i++) {
            const float v = in[i] > 0.0f ? in[i] : 0.0f;
            out[i] = v < cap ? v : cap;
        }
    } else {
#pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
        for (ptrdiff_t i = 0; i < m; i++) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
    }
}

void nn_relu_backward(float *din, const float *dout, const float *out, size_t n, float cap) {
    const ptrdiff_t m = (ptrdiff_t)n;
    if (cap > 0.0f) {
#pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
        for (ptrdiff_t i = 0; i < m; i++) {
            const float y = out[i], d = dout[i]; /* both loaded: no branch */
            din[i] = y > 0.0f && y < cap ? d : 0.0f;
        }
    } else {
#pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
        for (ptrdiff_t i = 0; i < m; i++) {
            const float y = out[i], d = dout[i];
            din[i] = y > 0.0f ? d : 0.0f;
        }
    }
}

void nn_add_forward(float *out, const float *a, const float *b, size_t n) {
    const ptrdiff_t m = (ptrdiff_t)n;
#pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
    for (ptrdiff_t i = 0; i < m; i++) out[i] = a[i] + b[i];
}

void nn_dropout_forward(float *out, float *mask, const float *in, size_t n, float rate,
                        uint64_t seed) {
    const float keep_scale = rate >= 1.0f ? 0.0f : rate <= 0.0f ? 1.0f : 1.0f / (1.0f - rate);
    const ptrdiff_t blocks = (ptrdiff_t)((n + DROP_BLOCK - 1) / DROP_BLOCK);
#pragma omp parallel for schedule(static) if (n >= PAR_MIN)
    for (ptrdiff_t k = 0; k < blocks; k++) {
        const size_t lo = (size_t)k * DROP_BLOCK;
        const size_t hi = lo + DROP_BLOCK < n ? lo + DROP_BLOCK : n;
        an_rng r;
        an_rng_seed(&r, seed, (uint64_t)k);
        for (size_t i = lo; i < hi; i++) {
            const float s = an_rng_uniform(&r) >= rate ? keep_scale : 0.0f;
            mask[i] = s;
            out[i] = in[i] * s;
        }
    }
}

void nn_dropout_backward(float *din, const float *dout, const float *mask, size_t n) {
    const ptrdiff_t m = (ptrdiff_t)n;
#pragma omp parallel for simd schedule(static) if (n >= PAR_MIN)
    for (ptrdiff_t i = 0; i < m; i++) din[i] = dout[i] * mask[i];
}
