/*
** Accuracy of an executable on a labelled data set of raw samples, run on a
** backend of the runtime (an_backend_check), and its equality with the
** integer reference engine: every layer whose output reaches DRAM (where the
** backend has a DRAM image) and the logits are compared byte for byte on
** every sample. The last batch is padded with copies of its first sample.
*/
#include "asicnn/runtime.h"

#include <stdlib.h>
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

an_status an_backend_check(an_backend_kind k, const an_npu_exe *x, const an_q_graph *ref,
                           const an_dataset *raw, an_npu_eval *r) {
    *r = (an_npu_eval){0};
    const int64_t F = (int64_t)x->input.h * x->input.w * x->input.c;
    const int64_t N = (int64_t)x->output.h * x->output.w * x->output.c;
    const int B = x->batch;
    if (raw->features != F)
        return an_fail(AN_ERR_FORMAT,
                       "%s: samples have %lld features, the executable %s expects %lld", raw->name,
                       (long long)raw->features, x->source, (long long)F);
    if (!raw->y) return an_fail(AN_ERR_FORMAT, "%s: evaluation needs labels", raw->name);
    an_status s = ref ? same_graph(x, ref) : AN_OK;
    an_backend *b = NULL;
    an_q_engine *eng = NULL;
    int8_t *q = NULL, *out = NULL; /* [B, F], [B, N] */
    int64_t per_batch = -1;
    if (!s) s = an_backend_load(&b, k, x, NULL);
    if (!s && ref) s = an_q_engine_create(&eng, ref, B, AN_Q_IMPL_FAST);
    if (!s) s = an_alloc_array((void **)&q, (size_t)B, (size_t)F, "int8 input");
    if (!s) s = an_alloc_array((void **)&out, (size_t)B, (size_t)N, "int8 output");
    for (int64_t at = 0; !s && at < raw->n; at += B) {
        const int n = an_npu_quantize_batch(x, raw, at, q);
        if ((s = an_backend_run(b, q)) || (s = an_backend_output(b, out))) break;
        if (per_batch < 0) per_batch = batch_insns(b);
        r->insns += per_batch;
        if (eng) {
            an_q_engine_run(eng, q, B);
            const uint8_t *dram = an_backend_dram(b);
            if (dram) s = check_layers(x, dram, eng, at, n);
            if (!s && memcmp(out, an_q_engine_tensor(eng, ref->n_layers), (size_t)(n * N)) != 0)
                s = an_fail(AN_ERR_INTERNAL,
                            "%s: chip and reference logits differ in the batch at sample %lld",
                            x->source, (long long)at);
            if (!s) r->equal += n;
        }
        for (int i = 0; i < n && !s; i++)
            r->correct += an_q_argmax(out + (size_t)i * N, (int)N) == raw->y[at + i];
        r->n += s ? 0 : n;
    }
    free(q);
    free(out);
    an_backend_close(b);
    an_q_engine_free(eng);
    return s;
}
