/*
** Softmax and softmax cross-entropy from logits.
**
** Contract
** - Every row is shifted by its maximum before exp, and the log of the sum
**   uses the shifted values (log-sum-exp), so large logits neither overflow
**   nor lose the loss.
** - The loss returned is the mean over the batch of
**   sum_k t_k * (logsumexp(x) - x_k), accumulated in double; with sparse
**   labels t is one-hot. A label outside [0, N) contributes neither loss nor
**   gradient. Terms with t_k = 0 are skipped (so -inf logits are harmless).
** - dlogits (when not NULL) is the exact gradient of that mean:
**   (sum_k t_k * softmax - t) / B, i.e. (softmax - onehot) / B for labels.
** - B <= 0 or N <= 0 gives a loss of 0 and writes nothing.
*/
#include "nn/kernels.h"

#include <math.h>

/* Row maximum and sum of exp(x - max) of x [N]; e [N] (may be NULL)
** receives exp(x - max). */
static double row_lse(const float *x, float *e, int N, float *max_out) {
    float m = x[0];
    for (int k = 1; k < N; k++) m = x[k] > m ? x[k] : m;
    double s = 0.0;
    for (int k = 0; k < N; k++) {
        const float v = expf(x[k] - m);
        if (e) e[k] = v;
        s += (double)v;
    }
    *max_out = m;
    return s;
}

float nn_softmax_xent_sparse(float *dlogits, const float *logits, const int32_t *labels, int B,
                             int N) {
    if (B <= 0 || N <= 0) return 0.0f;
    double total = 0.0;
    const float invb = 1.0f / (float)B;
    for (int b = 0; b < B; b++) {
        const float *x = logits + (size_t)b * N;             /* [N] */
        float *d = dlogits ? dlogits + (size_t)b * N : NULL; /* [N] or NULL */
        float m;
        const double s = row_lse(x, d, N, &m);
        const int32_t y = labels[b];
        const int valid = y >= 0 && y < N;
        if (valid) total += (double)m + log(s) - (double)x[y];
        if (!d) continue;
        const float scale = (float)(1.0 / s) * invb;
        for (int k = 0; k < N; k++) d[k] = valid ? d[k] * scale : 0.0f;
        if (valid) d[y] -= invb;
    }
    return (float)(total / B);
}

float nn_softmax_xent(float *dlogits, const float *logits, const float *targets, int B, int N) {
    if (B <= 0 || N <= 0) return 0.0f;
    double total = 0.0;
    const float invb = 1.0f / (float)B;
    for (int b = 0; b < B; b++) {
        const float *x = logits + (size_t)b * N;             /* [N] */
        const float *t = targets + (size_t)b * N;            /* [N] */
        float *d = dlogits ? dlogits + (size_t)b * N : NULL; /* [N] or NULL */
        float m;
        const double s = row_lse(x, d, N, &m);
        const double lse = (double)m + log(s);
        double tsum = 0.0;
        for (int k = 0; k < N; k++) {
            if (t[k] == 0.0f) continue;
            tsum += (double)t[k];
            total += (double)t[k] * (lse - (double)x[k]);
        }
        if (!d) continue;
        const float scale = (float)(tsum / s) * invb;
        for (int k = 0; k < N; k++) d[k] = d[k] * scale - t[k] * invb;
    }
    return (float)(total / B);
}

void nn_softmax(float *probs, const float *logits, int B, int N) {
    if (B <= 0 || N <= 0) return;
    for (int b = 0; b < B; b++) {
        float *p = probs + (size_t)b * N; /* [N] */
        float m;
        const double s = row_lse(logits + (size_t)b * N, p, N, &m);
        const float inv = (float)(1.0 / s);
        for (int k = 0; k < N; k++) p[k] *= inv;
    }
}
