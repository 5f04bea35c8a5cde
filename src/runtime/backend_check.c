/*
** Accuracy of an executable on a labelled data set of raw samples, run on a
** backend of the runtime (an_backend_check), and its equality with the
** integer reference engine: every layer whose output reaches DRAM (where the
** backend has a DRAM image) and the logits are compared byte for byte on
** every sample. The last batch is padded with copies of its first sample.
*/
#include "backend_internal.h"

#include <string.h>

/* The reference graph must describe the executable's layers. */
static an_status same_graph(const an_npu_exe *x, const an_q_graph *g) {
    if (g->n_layers != x->n_layers)
        return an_fail(AN_ERR_FORMAT, "%s: reference graph %s has %d layers, the executable %d",
                       x->source, g->source, g->n_layers, x->n_layers);
    for (int i = 0; i < g->n_layers; i++) {
        const an_q_layer *l = &g->layers[i];
        const an_npu_layer *L = &x->layers[i];
        if (l->h != L->h || l->w != L->w || l->c != L->c || (int)l->op != L->op)
            return an_fail(AN_ERR_FORMAT, "%s: layer %d (%s) differs from the reference graph's",
                           x->source, i, L->name);
    }
    return AN_OK;
}

/* Every DRAM-visible layer of the n real samples of the batch at sample at:
** the backend's DRAM image against the reference engine's tensors. */
static an_status check_layers(const an_npu_exe *x, const uint8_t *dram, const an_q_engine *eng,
                              int64_t at, int n) {
    for (int i = 0; i < x->n_layers; i++) {
        const an_npu_layer *L = &x->layers[i];
        if (L->out_dram < 0) continue;
        const int64_t sz = (int64_t)L->h * L->w * L->c;
        const int8_t *want = an_q_engine_tensor(eng, i + 1); /* [batch, sz] */
        const int8_t *got = (const int8_t *)dram + L->out_dram;
        for (int64_t e = 0; e < (int64_t)n * sz; e++)
            if (got[e] != want[e])
                return an_fail(AN_ERR_INTERNAL,
                               "%s: chip and reference engine differ at sample %lld, layer %d "
                               "(%s), element %lld: %d vs %d",
                               x->source, (long long)(at + e / sz), i, L->name, (long long)(e % sz),
                               got[e], want[e]);
    }
    return AN_OK;
}

/* The instructions one batch executes (the program is the same for every
** batch), from the backend's counters; 0 when it counts none. */
static int64_t batch_insns(const an_backend *b) {
    an_profile p;
    if (an_backend_counters(b, &p)) return 0;
    const int64_t n = p.total.insns;
    an_profile_free(&p);
    return n;
}

/* A run's state for check_step. */
typedef struct check_run {
    const an_npu_exe *x;
    const an_q_graph *ref;
    an_backend *b;
    an_q_engine *eng; /* NULL: no reference to check against */
    int64_t per_batch;
    an_npu_eval *r;
} check_run;

/* One batch on the backend, then checked against the reference engine. */
static an_status check_step(void *ctx, const rt_batch *t) {
    check_run *c = ctx;
    const an_npu_exe *x = c->x;
    an_status s = an_backend_run(c->b, t->q);
    if (!s) s = an_backend_output(c->b, t->out[0]);
    if (s) return s;
    if (c->per_batch < 0) c->per_batch = batch_insns(c->b);
    c->r->insns += c->per_batch;
    if (!c->eng) return AN_OK;
    an_q_engine_run(c->eng, t->q, x->batch);
    const uint8_t *dram = an_backend_dram(c->b);
    if (dram && (s = check_layers(x, dram, c->eng, t->at, t->n))) return s;
    const size_t N = (size_t)an_tensor_numel(&x->output);
    if (memcmp(t->out[0], an_q_engine_tensor(c->eng, c->ref->n_layers), (size_t)t->n * N) != 0)
        return an_fail(AN_ERR_INTERNAL,
                       "%s: chip and reference logits differ in the batch at sample %lld",
                       x->source, (long long)t->at);
    c->r->equal += t->n;
    return AN_OK;
}

an_status an_backend_check(an_backend_kind k, const an_npu_exe *x, const an_q_graph *ref,
                           const an_dataset *raw, an_npu_eval *r) {
    *r = (an_npu_eval){0};
    check_run c = {.x = x, .ref = ref, .per_batch = -1, .r = r};
    an_status s = rt_batches_fit(x, raw);
    if (!s && ref) s = same_graph(x, ref);
    if (!s) s = an_backend_load(&c.b, k, x, NULL);
    if (!s && ref) s = an_q_engine_create(&c.eng, ref, x->batch, AN_Q_IMPL_FAST);
    if (!s) s = rt_batches_run(x, raw, 1, check_step, &c, &r->n, &r->correct);
    an_backend_close(c.b);
    an_q_engine_free(c.eng);
    return s;
}
