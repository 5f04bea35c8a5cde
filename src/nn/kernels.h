/*
** Float layer kernels for training and inference: plain functions over
** pointers and dimensions (llm.c style). Every tensor is NHWC, row-major,
** batch first; shapes are given in the comment beside each pointer.
**
** Contract
** - Forward kernels overwrite their output. Backward kernels ACCUMULATE
**   (+=) into parameter gradients (dw, db) and OVERWRITE the input gradient
**   (din); a NULL din skips that computation (the first layer needs none),
**   and a NULL dw or db skips that gradient (a frozen layer).
** - Scratch buffers are supplied by the caller (sizes given by the *_scratch
**   helpers), so no kernel allocates: one allocation per training run.
**   Scratch carries nothing from one call to the next, so every layer may
**   share the largest one.
** - Kernels parallelise with OpenMP; matrix products run in OpenBLAS,
**   single-threaded inside each OpenMP thread (nn_sgemm). No sum is ever
**   split by scheduling, so for a fixed thread count results are the same
**   on every run; element-wise, pooling, im2col/col2im, dropout, batchnorm
**   and loss results do not depend on the thread count at all.
** - Weights use Keras layouts: conv kernels HWIO [KH][KW][C][OC], dense
**   kernels [IN][OUT].
*/
#ifndef ASICNN_NN_KERNELS_H
#define ASICNN_NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Geometry of a 2-D window op (conv or pool) on one NHWC tensor. */
typedef struct nn_window {
    int B;       /* batch */
    int H, W, C; /* input */
    int OH, OW;  /* output */
    int KH, KW;  /* window */
    int SH, SW;  /* stride */
    int PT, PL;  /* padding top / left (bottom/right follow from OH/OW) */
} nn_window;

/* The taps [*k0, *k1) of a k-tap window that starts at cell start (negative
** in the padding) of an n-cell axis and fall inside it: the one clip of a
** window to its input, for the pooling and grouped-conv kernels and the
** fast path's ops. */
static inline void nn_taps(int start, int k, int n, int *k0, int *k1) {
    *k0 = start < 0 ? -start : 0;
    *k1 = start + k > n ? n - start : k;
}

/* Output size along one axis for "valid" (pad 0) or "same" padding, and the
** leading pad that Keras/TensorFlow use for "same" (extra pad goes bottom/right). */
int nn_out_size(int in, int k, int stride, int same);
int nn_pad_before(int in, int k, int stride, int same);

/* Set the number of threads the kernels use (the OpenMP team size). OpenBLAS
** itself is kept single-threaded: nn_sgemm splits each product over the
** OpenMP team, which on small layer shapes is about twice as fast as
** OpenBLAS's own threads and never oversubscribes the cores. */
void nn_set_threads(int n);

/* Row-major C [M, N] = alpha * op(A) @ op(B) + beta * C, op(A) [M, K],
** op(B) [K, N] (cblas conventions, ld* the row strides), with the rows of C
** (or its columns, when C has few rows) split over the OpenMP team, each
** slice computed by single-threaded OpenBLAS. Deterministic for a fixed
** thread count. Inside a parallel region it runs on the calling thread. */
void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc);

/* ---- conv2d ----------------------------------------------------------- */

/* Floats of scratch the conv kernels need for geometry g with OC outputs:
** with M = B*OH*OW, M*(KH*KW*C + 1) (im2col matrix, ones) plus M*(OC + 1)
** when C >= 4 (packed nonzero rows of dout and their map), or just M for a
** pointwise (1x1, stride 1, unpadded) conv. */
size_t nn_conv2d_scratch(const nn_window *g, int OC);

void nn_conv2d_forward(float *out,      /* [B, OH, OW, OC] */
                       const float *in, /* [B, H, W, C] */
                       const float *w,  /* [KH, KW, C, OC] */
                       const float *b,  /* [OC] or NULL */
                       const nn_window *g, int OC, float *scratch);

void nn_conv2d_backward(float *din,        /* [B, H, W, C] or NULL */
                        float *dw,         /* [KH, KW, C, OC] += */
                        float *db,         /* [OC] += (or NULL) */
                        const float *dout, /* [B, OH, OW, OC] */
                        const float *in,   /* [B, H, W, C] */
                        const float *w,    /* [KH, KW, C, OC] */
                        const nn_window *g, int OC, float *scratch);

/* Grouped / depthwise conv2d (k_gconv.c), G > 1 groups: w [KH, KW, C/G, OC];
** output channel oc reads the C/G input channels of group oc / (OC/G). */
void nn_gconv2d_forward(float *out,      /* [B, OH, OW, OC] */
                        const float *in, /* [B, H, W, C] */
                        const float *w,  /* [KH, KW, C/G, OC] */
                        const float *b,  /* [OC] or NULL */
                        const nn_window *g, int OC, int G);
/* Output rows r0..r1 (of B*OH) of the forward, clamped to [lo, hi]. */
void nn_gconv2d_rows(float *out, const float *in, const float *w, const float *b,
                     const nn_window *g, int OC, int G, int r0, int r1, float lo, float hi);
void nn_gconv2d_backward(float *din,        /* [B, H, W, C] or NULL (overwritten) */
                         float *dw,         /* [KH, KW, C/G, OC] += (or NULL) */
                         float *db,         /* [OC] += (or NULL) */
                         const float *dout, /* [B, OH, OW, OC] */
                         const float *in,   /* [B, H, W, C] */
                         const float *w,    /* [KH, KW, C/G, OC] */
                         const nn_window *g, int OC, int G);

/* Bias gradient: db [N] += column sums of dout [M, N], blocks of float sums
** added in double in an order fixed by M and N alone (so independent of the
** thread count). Used by dense backward. */
void nn_bias_grad(float *db, const float *dout, int64_t M, int N);

/* ---- pooling (window over each channel; padding cells are ignored) ---- */

/* Max over the valid cells of each window. argmax records, per output, the
** flat index into the whole in tensor of the first maximal cell (-1 for a
** window with no valid cell, whose output is 0); backward zeroes din and
** adds dout there. B*H*W*C must fit in an int32. */
void nn_maxpool_forward(float *out,      /* [B, OH, OW, C] */
                        int32_t *argmax, /* [B, OH, OW, C] index into in, or NULL */
                        const float *in, /* [B, H, W, C] */
                        const nn_window *g);
void nn_maxpool_backward(float *din,            /* [B, H, W, C] overwritten */
                         const float *dout,     /* [B, OH, OW, C] */
                         const int32_t *argmax, /* [B, OH, OW, C] from forward */
                         const nn_window *g);

/* Average over the valid (non-padding) cells of each window (Keras "same"
** semantics); backward spreads dout/count over those cells. */
void nn_avgpool_forward(float *out,      /* [B, OH, OW, C] */
                        const float *in, /* [B, H, W, C] */
                        const nn_window *g);
void nn_avgpool_backward(float *din,        /* [B, H, W, C] overwritten */
                         const float *dout, /* [B, OH, OW, C] */
                         const nn_window *g);

/* ---- dense: out = in @ w + b ------------------------------------------ */

void nn_dense_forward(float *out,      /* [B, N] */
                      const float *in, /* [B, K] */
                      const float *w,  /* [K, N] */
                      const float *b,  /* [N] or NULL */
                      int B, int K, int N);
void nn_dense_backward(float *din,        /* [B, K] or NULL */
                       float *dw,         /* [K, N] += */
                       float *db,         /* [N] += (or NULL) */
                       const float *dout, /* [B, N] */
                       const float *in,   /* [B, K] */
                       const float *w,    /* [K, N] */
                       int B, int K, int N);

/* ---- element-wise ----------------------------------------------------- */

/* ReLU (cap = 0: no upper bound) or ReLU6 (cap = 6), in place allowed. */
void nn_relu_forward(float *out, const float *in, size_t n, float cap);
/* din = dout where 0 < out < cap (cap 0: out > 0); din may alias dout. */
void nn_relu_backward(float *din, const float *dout, const float *out, size_t n, float cap);

/* out = a + b; backward is the identity to both inputs. */
void nn_add_forward(float *out, const float *a, const float *b, size_t n);

/* Inverted dropout: keep with probability 1-rate, scale kept by 1/(1-rate).
** mask[i] holds the scale applied (0 or 1/(1-rate)). The mask depends only on
** seed, n and rate (PCG32 stream k drives elements [4096k, 4096k+4096)), not
** on the thread count. rate <= 0 keeps all, rate >= 1 drops all. */
void nn_dropout_forward(float *out, float *mask, const float *in, size_t n, float rate,
                        uint64_t seed);
void nn_dropout_backward(float *din, const float *dout, const float *mask, size_t n);

/* ---- batch normalisation over N = B*H*W positions per channel --------- */

/* Training mode: normalise with batch statistics, save mean and inverse
** std for backward, update running stats: r = momentum*r + (1-momentum)*batch
** (Keras convention; running_var uses the unbiased batch variance).
** Inference mode (train = 0): use the running statistics (save_* unused,
** may be NULL). A NULL gamma means 1, a NULL beta 0. Backward overwrites din
** and skips a NULL dgamma or dbeta. */
void nn_batchnorm_forward(float *out,          /* [N, C] */
                          float *save_mean,    /* [C] (train) */
                          float *save_invstd,  /* [C] (train) */
                          const float *in,     /* [N, C] */
                          const float *gamma,  /* [C] */
                          const float *beta,   /* [C] */
                          float *running_mean, /* [C] */
                          float *running_var,  /* [C] */
                          int64_t N, int C, float eps, float momentum, int train);
void nn_batchnorm_backward(float *din,         /* [N, C] */
                           float *dgamma,      /* [C] += */
                           float *dbeta,       /* [C] += */
                           const float *dout,  /* [N, C] */
                           const float *in,    /* [N, C] */
                           const float *gamma, /* [C] */
                           const float *save_mean, const float *save_invstd, int64_t N, int C);

/* ---- losses (from logits) --------------------------------------------- */

/* Mean softmax cross-entropy over the batch with integer labels; writes
** dlogits = (softmax - onehot) / B when dlogits is not NULL. Returns the loss.
** Rows are shifted by their max (log-sum-exp), so any finite logits are
** safe. A label outside [0, N) adds neither loss nor gradient (its row of
** dlogits is 0) but still counts in B. */
float nn_softmax_xent_sparse(float *dlogits,        /* [B, N] or NULL */
                             const float *logits,   /* [B, N] */
                             const int32_t *labels, /* [B] */
                             int B, int N);
/* The same with one-hot (or soft) targets [B, N]: the mean over rows of
** sum_k t_k * (logsumexp - x_k); dlogits = (sum_k t_k * softmax - t) / B. */
float nn_softmax_xent(float *dlogits, const float *logits, const float *targets, int B, int N);

/* Row-wise softmax into probs [B, N]. */
void nn_softmax(float *probs, const float *logits, int B, int N);

#endif /* ASICNN_NN_KERNELS_H */
