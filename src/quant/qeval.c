/*
** Evaluation of an int8 graph on a labelled data set of raw samples:
** quantize the input, run batches through an engine, take the argmax of
** the int8 logits (softmax is monotonic, so the host's float softmax would
** pick the same class). Optionally recompute every batch with a second
** engine and compare every tensor byte for byte.
*/
#include "asicnn/quant.h"

#include <stdlib.h>
#include <string.h>

void an_q_eval_free(an_q_eval *r) {
    free(r->confusion);
    free(r->pred);
    r->confusion = NULL;
    r->pred = NULL;
}

/* First differing tensor between two engines after the same batch. */
static an_status compare(const an_q_graph *g, const an_q_engine *a, const an_q_engine *b, int B,
                         int64_t at, an_q_impl ia, an_q_impl ib) {
    for (int t = 1; t <= g->n_layers; t++) {
        const int64_t n = an_q_tensor_size(g, t);
        const int8_t *x = an_q_engine_tensor(a, t), *y = an_q_engine_tensor(b, t);
        for (int64_t k = 0; k < (int64_t)B * n; k++) {
            if (x[k] != y[k])
                return an_fail(AN_ERR_INTERNAL,
                               "%s: %s and %s engines differ at sample %lld, layer %d (%s), "
                               "element %lld: %d vs %d",
                               g->source, AN_Q_IMPL_NAME[ia], AN_Q_IMPL_NAME[ib],
                               (long long)(at + k / n), t - 1, g->layers[t - 1].name,
                               (long long)(k % n), x[k], y[k]);
        }
    }
    return AN_OK;
}

an_status an_q_evaluate(const an_q_graph *g, const an_dataset *raw, an_q_impl impl, an_q_impl check,
                        int batch, an_q_eval *r) {
    *r = (an_q_eval){0};
    const int64_t F = an_q_tensor_size(g, 0);
    const int N = (int)an_q_tensor_size(g, g->n_layers);
    if (raw->features != F)
        return an_fail(AN_ERR_FORMAT,
                       "%s: samples have %lld features, the int8 graph %s expects "
                       "%lld",
                       raw->name, (long long)raw->features, g->source, (long long)F);
    if (!raw->y) return an_fail(AN_ERR_FORMAT, "%s: evaluation needs labels", raw->name);
    if (batch < 1) batch = 256;
    an_q_engine *e = NULL, *c = NULL;
    int8_t *q = NULL;
    an_status s = an_q_engine_create(&e, g, batch, impl);
    if (!s && check < AN_Q_IMPL_COUNT) s = an_q_engine_create(&c, g, batch, check);
    if (!s) s = an_alloc_array((void **)&q, (size_t)batch, (size_t)F, "int8 input");
    if (!s) s = an_alloc_array((void **)&r->confusion, (size_t)N * N, 8, "confusion");
    if (!s) s = an_alloc_array((void **)&r->pred, (size_t)(raw->n ? raw->n : 1), 4, "predictions");
    if (!s) memset(r->confusion, 0, (size_t)N * N * 8);
    r->classes = N;
    for (int64_t at = 0; !s && at < raw->n; at += batch) {
        const int B = (int)(raw->n - at < batch ? raw->n - at : batch);
        an_q_quantize_input(g, raw->x + at * F, B, q);
        const int8_t *out = an_q_engine_run(e, q, B);
        if (c) {
            an_q_engine_run(c, q, B);
            if ((s = compare(g, e, c, B, at, impl, check))) break;
        }
        for (int b = 0; b < B; b++) {
            const int p = an_q_argmax(out + (size_t)b * N, N);
            const int t = raw->y[at + b];
            r->pred[at + b] = p;
            r->correct += p == t;
            if (t >= 0 && t < N) r->confusion[(size_t)t * N + p]++;
        }
    }
    r->n = raw->n;
    free(q);
    an_q_engine_free(e);
    an_q_engine_free(c);
    if (s) an_q_eval_free(r);
    return s;
}
