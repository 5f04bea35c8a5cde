/*
** Engines over an int8 graph: every tensor gets a [max_batch, size] buffer
** (kept after a run, for calibration reports and cross-checks), samples are
** spread over OpenMP threads (each sample is computed by one thread, in
** layer order, so threads cannot change results), and each layer runs the
** reference kernel or, for conv2d/dense on the fast path, the fast one.
*/
#include "quant_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

struct an_q_engine {
    const an_q_graph *g;
    int max_batch;
    an_q_impl impl;
    int avx2;         /* fast path uses AVX2 */
    int B;            /* batch of the last run */
    int8_t **t;       /* [n_layers + 1] -> [max_batch, size] */
    int16_t **w16;    /* [n_layers] -> [c, kpad] widened weights (fast, conv/dense) */
    int16_t *scratch; /* [threads, max kpad] patches */
    int max_kpad;
    int threads;
};

void an_q_engine_free(an_q_engine *e) {
    if (!e) return;
    for (int i = 0; e->t && i <= e->g->n_layers; i++) free(e->t[i]);
    for (int i = 0; e->w16 && i < e->g->n_layers; i++) free(e->w16[i]);
    free(e->t);
    free(e->w16);
    free(e->scratch);
    free(e);
}

an_status an_q_engine_create(an_q_engine **out, const an_q_graph *g, int max_batch,
                             an_q_impl impl) {
    *out = NULL;
    if (max_batch < 1 || max_batch > (1 << 20))
        return an_fail(AN_ERR_RANGE, "batch size %d out of range (1..1048576)", max_batch);
    if ((unsigned)impl >= AN_Q_IMPL_COUNT)
        return an_fail(AN_ERR_USAGE, "unknown int8 engine %d", (int)impl);
    an_q_engine *e = calloc(1, sizeof *e);
    if (!e) return an_fail(AN_ERR_NOMEM, "out of memory");
    e->g = g;
    e->max_batch = max_batch;
    e->impl = impl;
    e->avx2 = impl == AN_Q_IMPL_FAST && an_q_fast_has_avx2();
    e->threads = omp_get_max_threads();
    int ok = (e->t = calloc((size_t)g->n_layers + 1, sizeof *e->t)) &&
             (e->w16 = calloc((size_t)g->n_layers, sizeof *e->w16));
    for (int i = 0; ok && i <= g->n_layers; i++) {
        size_t n = (size_t)max_batch * (size_t)an_q_tensor_size(g, i);
        ok = (e->t[i] = malloc(n ? n : 1)) != NULL;
    }
    for (int i = 0; ok && i < g->n_layers && impl != AN_Q_IMPL_REF; i++) {
        const an_q_layer *l = &g->layers[i];
        if (l->op != AN_Q_CONV2D && l->op != AN_Q_DENSE) continue;
        ok = (e->w16[i] = q_fast_weights(l)) != NULL;
        if (q_kpad(l->k) > e->max_kpad) e->max_kpad = q_kpad(l->k);
    }
    if (ok && e->max_kpad)
        ok = (e->scratch = aligned_alloc(32, (size_t)e->threads * e->max_kpad * 2 + 32)) != NULL;
    if (!ok) {
        an_q_engine_free(e);
        return an_fail(AN_ERR_NOMEM, "%s: cannot allocate int8 buffers for batch %d", g->source,
                       max_batch);
    }
    *out = e;
    return AN_OK;
}

/* Layer i on sample b. */
static void run_layer(an_q_engine *e, int i, int b, int16_t *patch) {
    const an_q_graph *g = e->g;
    const an_q_layer *l = &g->layers[i];
    const an_q_tinfo in = an_q_tensor_info(g, l->in[0]);
    const int8_t *x = e->t[l->in[0]] + (size_t)b * an_q_tensor_size(g, l->in[0]);
    int8_t *y = e->t[i + 1] + (size_t)b * an_q_tensor_size(g, i + 1);
    const int fast = e->impl != AN_Q_IMPL_REF;
    switch (l->op) {
    case AN_Q_CONV2D:
        if (fast)
            q_fast_conv2d(l, e->w16[i], &in, x, y, patch, e->avx2);
        else
            q_ref_conv2d(l, &in, x, y);
        break;
    case AN_Q_DENSE:
        if (fast)
            q_fast_dense(l, e->w16[i], x, y, patch, e->avx2);
        else
            q_ref_dense(l, &in, x, y);
        break;
    case AN_Q_MAXPOOL:
        q_ref_maxpool(l, &in, x, y);
        break;
    case AN_Q_AVGPOOL:
        q_ref_avgpool(l, &in, x, y);
        break;
    case AN_Q_FLATTEN:
        memcpy(y, x, (size_t)an_q_tensor_size(g, i + 1));
        break;
    case AN_Q_ADD: {
        const an_q_tinfo in2 = an_q_tensor_info(g, l->in[1]);
        const int8_t *x2 = e->t[l->in[1]] + (size_t)b * an_q_tensor_size(g, l->in[1]);
        q_ref_add(l, &in, &in2, x, x2, y);
        break;
    }
    default:
        break;
    }
}

const int8_t *an_q_engine_run(an_q_engine *e, const int8_t *x, int B) {
    const an_q_graph *g = e->g;
    if (B > e->max_batch) B = e->max_batch;
    e->B = B;
    memcpy(e->t[0], x, (size_t)B * (size_t)an_q_tensor_size(g, 0));
#pragma omp parallel for schedule(dynamic, 1) num_threads(e->threads) if (B > 1)
    for (int b = 0; b < B; b++) {
        int16_t *patch =
            e->scratch ? e->scratch + (size_t)omp_get_thread_num() * e->max_kpad : NULL;
        for (int i = 0; i < g->n_layers; i++) run_layer(e, i, b, patch);
    }
    return e->t[g->n_layers];
}

const int8_t *an_q_engine_tensor(const an_q_engine *e, int t) {
    return e->t[t];
}
