/*
** Batch normalisation over the N = B*H*W positions of each channel of an
** [N, C] tensor (NHWC with the spatial axes folded into N).
**
** Contract
** - Training forward: mean and biased variance over N per channel, summed
**   in double (two passes); out = (in - mean) * invstd * gamma + beta with
**   invstd = 1/sqrt(var + eps), the mean subtracted first and in two float
**   parts, so inputs far from zero keep their precision. save_mean and
**   save_invstd (float) keep the batch
**   statistics for backward. Running statistics follow Keras:
**   r = momentum*r + (1-momentum)*batch, running_var taking the unbiased
**   variance var*N/(N-1) (the biased one when N = 1).
** - Inference forward (train = 0) normalises with the running statistics and
**   reads neither save_mean nor save_invstd (both may be NULL).
** - Backward accumulates dgamma += sum(dout * xhat), dbeta += sum(dout) and
**   overwrites din = gamma*invstd * (dout - mean(dout) - xhat*mean(dout*xhat)).
** - A NULL gamma means 1, a NULL beta 0; a NULL dgamma or dbeta is skipped.
** - Sums run over a fixed partition of the rows into PIECES pieces added in
**   order, so results do not depend on the thread count; element-wise
**   passes split rows over OpenMP threads.
*/
#include "nn/kernels.h"

#include <math.h>

/* Rows are summed in this many fixed pieces (parallel when large). */
#define PIECES 8
/* Channels handled per pass (stack accumulators). */
#define CH 128
/* Parallelise only passes over at least this many floats. */
#define PAR_MIN 65536

/* One channel block [c0, c0+nc) of a statistics pass over in [N, C]:
** sum [nc] = sum over rows of in, or, when mean [nc] is given, of
** (in - mean)^2. Rows are summed per piece, then pieces in order. */
static void block_sums(double *sum, const float *in, const double *mean, int64_t N, int C, int c0,
                       int nc) {
    double part[PIECES][CH]; /* per-piece partial sums */
#pragma omp parallel for schedule(static) if (N * (int64_t)nc >= PAR_MIN)
    for (int k = 0; k < PIECES; k++) {
        double *acc = part[k];
        for (int j = 0; j < nc; j++) acc[j] = 0.0;
        const int64_t r1 = N * (k + 1) / PIECES;
        for (int64_t i = N * k / PIECES; i < r1; i++) {
            const float *x = in + (size_t)i * (size_t)C + c0; /* [nc] */
            if (mean) {
#pragma omp simd
                for (int j = 0; j < nc; j++) {
                    const double d = (double)x[j] - mean[j];
                    acc[j] += d * d;
                }
            } else {
#pragma omp simd
                for (int j = 0; j < nc; j++) acc[j] += (double)x[j];
            }
        }
    }
    for (int j = 0; j < nc; j++) {
        double s = 0.0;
        for (int k = 0; k < PIECES; k++) s += part[k][j];
        sum[j] = s;
    }
}

/* out [N, C] block columns [c0, c0+nc) = (in - center) * scale + shift,
** center given as hi + lo floats: x - hi is exact for x near hi, so a mean
** large against the spread costs no precision. */
static void block_affine(float *out, const float *in, const float *hi, const float *lo,
                         const float *scale, const float *shift, int64_t N, int C, int c0, int nc) {
#pragma omp parallel for schedule(static) if (N * (int64_t)nc >= PAR_MIN)
    for (int64_t i = 0; i < N; i++) {
        const float *x = in + (size_t)i * (size_t)C + c0; /* [nc] */
        float *y = out + (size_t)i * (size_t)C + c0;      /* [nc] */
#pragma omp simd
        for (int j = 0; j < nc; j++) y[j] = ((x[j] - hi[j]) - lo[j]) * scale[j] + shift[j];
    }
}

void nn_batchnorm_forward(float *out, float *save_mean, float *save_invstd, const float *in,
                          const float *gamma, const float *beta, float *running_mean,
                          float *running_var, int64_t N, int C, float eps, float momentum,
                          int train) {
    if (N <= 0 || C <= 0) return;
    for (int c0 = 0; c0 < C; c0 += CH) {
        const int nc = C - c0 < CH ? C - c0 : CH;
        float hi[CH], lo[CH], scale[CH], shift[CH]; /* [nc] per-channel affine map */
        if (train) {
            double mean[CH], var[CH]; /* [nc] batch statistics */
            block_sums(mean, in, NULL, N, C, c0, nc);
            for (int j = 0; j < nc; j++) mean[j] /= (double)N;
            block_sums(var, in, mean, N, C, c0, nc);
            for (int j = 0; j < nc; j++) {
                const int c = c0 + j;
                const double v = var[j] / (double)N;
                const double unbiased = N > 1 ? var[j] / (double)(N - 1) : v;
                const float invstd = (float)(1.0 / sqrt(v + (double)eps));
                save_mean[c] = (float)mean[j];
                save_invstd[c] = invstd;
                running_mean[c] = momentum * running_mean[c] + (1.0f - momentum) * (float)mean[j];
                running_var[c] = momentum * running_var[c] + (1.0f - momentum) * (float)unbiased;
                hi[j] = (float)mean[j];
                lo[j] = (float)(mean[j] - (double)hi[j]);
                scale[j] = (gamma ? gamma[c] : 1.0f) * invstd;
                shift[j] = beta ? beta[c] : 0.0f;
            }
        } else {
            for (int j = 0; j < nc; j++) {
                const int c = c0 + j;
                const float invstd = 1.0f / sqrtf(running_var[c] + eps);
                hi[j] = running_mean[c];
                lo[j] = 0.0f;
                scale[j] = (gamma ? gamma[c] : 1.0f) * invstd;
                shift[j] = beta ? beta[c] : 0.0f;
            }
        }
        block_affine(out, in, hi, lo, scale, shift, N, C, c0, nc);
    }
}

void nn_batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
                           const float *in, const float *gamma, const float *save_mean,
                           const float *save_invstd, int64_t N, int C) {
    if (N <= 0 || C <= 0) return;
    for (int c0 = 0; c0 < C; c0 += CH) {
        const int nc = C - c0 < CH ? C - c0 : CH;
        double part_dy[PIECES][CH], part_dyx[PIECES][CH]; /* per-piece sums */
#pragma omp parallel for schedule(static) if (N * (int64_t)nc >= PAR_MIN)
        for (int k = 0; k < PIECES; k++) {
            double *sdy = part_dy[k], *sdyx = part_dyx[k];
            for (int j = 0; j < nc; j++) sdy[j] = sdyx[j] = 0.0;
            const int64_t r1 = N * (k + 1) / PIECES;
            for (int64_t i = N * k / PIECES; i < r1; i++) {
                const float *x = in + (size_t)i * (size_t)C + c0;    /* [nc] */
                const float *dy = dout + (size_t)i * (size_t)C + c0; /* [nc] */
#pragma omp simd
                for (int j = 0; j < nc; j++) {
                    const float xhat = (x[j] - save_mean[c0 + j]) * save_invstd[c0 + j];
                    sdy[j] += (double)dy[j];
                    sdyx[j] += (double)dy[j] * (double)xhat;
                }
            }
        }
        float a[CH], bx[CH], k0[CH]; /* [nc]: din = a*dy + bx*(x - mean) + k0 */
        for (int j = 0; j < nc; j++) {
            const int c = c0 + j;
            double sdy = 0.0, sdyx = 0.0;
            for (int k = 0; k < PIECES; k++) {
                sdy += part_dy[k][j];
                sdyx += part_dyx[k][j];
            }
            if (dgamma) dgamma[c] += (float)sdyx;
            if (dbeta) dbeta[c] += (float)sdy;
            /* din = g*is*(dy - sdy/N - xhat*sdyx/N), xhat = (x - mean)*is */
            const double is = save_invstd[c];
            const double gs = (gamma ? gamma[c] : 1.0) * is;
            a[j] = (float)gs;
            bx[j] = (float)(-gs * is * sdyx / (double)N);
            k0[j] = (float)(-gs * sdy / (double)N);
        }
#pragma omp parallel for schedule(static) if (N * (int64_t)nc >= PAR_MIN)
        for (int64_t i = 0; i < N; i++) {
            const float *x = in + (size_t)i * (size_t)C + c0;    /* [nc] */
            const float *dy = dout + (size_t)i * (size_t)C + c0; /* [nc] */
            float *dx = din + (size_t)i * (size_t)C + c0;        /* [nc] */
#pragma omp simd
            for (int j = 0; j < nc; j++)
                dx[j] = a[j] * dy[j] + bx[j] * (x[j] - save_mean[c0 + j]) + k0[j];
        }
    }
}
