/*
** Engines over an int8 graph: every tensor gets a [max_batch, size] buffer
** (kept after a run, for calibration reports and cross-checks), samples are
** spread over OpenMP threads (each sample is computed by one thread, in
** layer order; a single sample spreads its conv blocks instead), and each
** layer runs the reference kernel or, on the fast path, the kernels chosen
** at creation: VNNI (conv, dense, max pooling), AVX2 (conv, dense with int16
** madd; max pooling) or scalar; a grouped / depthwise conv runs
** fast_group.c's plain kernel on every fast path. Every kernel computes exact integers, so
** neither the path nor the threads can change a result.
*/
#include "quant_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

struct an_q_engine {
    const an_q_graph *g;
    int max_batch;
    an_q_impl impl;
    q_isa isa;        /* kernels of the fast path */
    int avx2;         /* fast path uses AVX2 (int16 madd) */
    int B;            /* batch of the last run */
    int8_t **t;       /* [n_layers + 1] -> [max_batch, size] */
    int16_t **w16;    /* [n_layers] -> [c, kpad] widened weights (fast, conv/dense) */
    int16_t *scratch; /* [threads, max kpad] patches */
    int max_kpad;
    int threads;
    q_vnni_w **vw;     /* [n_layers] packed weights (VNNI, conv/dense) */
    uint8_t *vscratch; /* [threads, vstride] gathered rows (VNNI) */
    size_t vstride;
};

void an_q_engine_free(an_q_engine *e) {
    if (!e) return;
    for (int i = 0; e->t && i <= e->g->n_layers; i++) free(e->t[i]);
    for (int i = 0; e->w16 && i < e->g->n_layers; i++) free(e->w16[i]);
    for (int i = 0; e->vw && i < e->g->n_layers; i++) q_vnni_free(e->vw[i]);
    free(e->t);
    free(e->w16);
    free(e->vw);
    free(e->vscratch);
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
    if (impl != AN_Q_IMPL_REF && !an_q_fast_path(impl))
        return an_fail(AN_ERR_UNSUPPORTED,
                       "the %s int8 engine needs CPU features this machine lacks",
                       AN_Q_IMPL_NAME[impl]);
    an_q_engine *e = calloc(1, sizeof *e);
    if (!e) return an_fail(AN_ERR_NOMEM, "out of memory");
    e->g = g;
    e->max_batch = max_batch;
    e->impl = impl;
    e->isa = q_impl_isa(impl);
    e->avx2 = e->isa == Q_ISA_AVX2;
    e->threads = omp_get_max_threads();
    int ok = (e->t = calloc((size_t)g->n_layers + 1, sizeof *e->t)) &&
             (e->w16 = calloc((size_t)g->n_layers, sizeof *e->w16)) &&
             (e->vw = calloc((size_t)g->n_layers, sizeof *e->vw));
    for (int i = 0; ok && i <= g->n_layers; i++) {
        size_t n = (size_t)max_batch * (size_t)an_q_tensor_size(g, i);
        ok = (e->t[i] = malloc(n ? n : 1)) != NULL;
    }
    for (int i = 0; ok && i < g->n_layers && impl != AN_Q_IMPL_REF; i++) {
        const an_q_layer *l = &g->layers[i];
        if (l->op != AN_Q_CONV2D && l->op != AN_Q_DENSE) continue;
        if (l->groups > 1) continue; /* fast_group.c: no packed weights */
        if (e->isa == Q_ISA_VNNI) {
            const an_tensor ti = an_q_tensor_info(g, l->in[0]);
            const size_t need = (q_vnni_scratch(l, &ti) + 63) & ~(size_t)63;
            ok = (e->vw[i] = q_vnni_pack(l)) != NULL;
            if (need > e->vstride) e->vstride = need;
            continue;
        }
        ok = (e->w16[i] = q_fast_weights(l)) != NULL;
        if (q_kpad(l->k) > e->max_kpad) e->max_kpad = q_kpad(l->k);
    }
    if (ok && e->max_kpad)
        ok = (e->scratch = aligned_alloc(32, (size_t)e->threads * e->max_kpad * 2 + 32)) != NULL;
    if (ok && e->vstride) ok = (e->vscratch = calloc((size_t)e->threads, e->vstride)) != NULL;
    if (!ok) {
        an_q_engine_free(e);
        return an_fail(AN_ERR_NOMEM, "%s: cannot allocate int8 buffers for batch %d", g->source,
                       max_batch);
    }
    *out = e;
    return AN_OK;
}

/* Layer i on sample b; par: the only sample, its blocks spread over threads. */
static void run_layer(an_q_engine *e, int i, int b, int16_t *patch, uint8_t *vs, int par) {
    const an_q_graph *g = e->g;
    const an_q_layer *l = &g->layers[i];
    const an_tensor in = an_q_tensor_info(g, l->in[0]);
    const int8_t *x = e->t[l->in[0]] + (size_t)b * an_q_tensor_size(g, l->in[0]);
    int8_t *y = e->t[i + 1] + (size_t)b * an_q_tensor_size(g, i + 1);
    const int fast = e->impl != AN_Q_IMPL_REF;
    switch (l->op) {
    case AN_Q_CONV2D:
        if (fast && l->groups > 1)
            q_fast_group_conv2d(l, &in, x, y, par);
        else if (e->vw[i])
            q_vnni_conv2d(l, e->vw[i], &in, x, y, vs, e->vstride, par);
        else if (fast)
            q_fast_conv2d(l, e->w16[i], &in, x, y, patch, e->avx2);
        else
            q_ref_conv2d(l, &in, x, y);
        break;
    case AN_Q_DENSE:
        if (e->vw[i])
            q_vnni_dense(l, e->vw[i], x, y, vs);
        else if (fast)
            q_fast_dense(l, e->w16[i], x, y, patch, e->avx2);
        else
            q_ref_dense(l, &in, x, y);
        break;
    case AN_Q_MAXPOOL:
        if (e->isa == Q_ISA_VNNI && fast)
            q_vnni_maxpool(l, &in, x, y);
        else if (e->isa != Q_ISA_SCALAR && fast)
            q_fast_maxpool(l, &in, x, y);
        else
            q_ref_maxpool(l, &in, x, y);
        break;
    case AN_Q_AVGPOOL:
        if (e->isa == Q_ISA_VNNI && fast)
            q_vnni_avgpool(l, &in, x, y);
        else if (e->isa != Q_ISA_SCALAR && fast)
            q_fast_avgpool(l, &in, x, y);
        else
            q_ref_avgpool(l, &in, x, y);
        break;
    case AN_Q_FLATTEN:
        memcpy(y, x, (size_t)an_q_tensor_size(g, i + 1));
        break;
    case AN_Q_ADD: {
        const an_tensor in2 = an_q_tensor_info(g, l->in[1]);
        const int8_t *x2 = e->t[l->in[1]] + (size_t)b * an_q_tensor_size(g, l->in[1]);
        if (e->isa == Q_ISA_VNNI && fast)
            q_vnni_add(l, &in, &in2, x, x2, y);
        else
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
    if (B == 1) {
        for (int i = 0; i < g->n_layers; i++)
            run_layer(e, i, 0, e->scratch, e->vscratch, e->threads > 1);
        return e->t[g->n_layers];
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(e->threads)
    for (int b = 0; b < B; b++) {
        const int th = omp_get_thread_num();
        int16_t *patch = e->scratch ? e->scratch + (size_t)th * e->max_kpad : NULL;
        uint8_t *vs = e->vscratch ? e->vscratch + (size_t)th * e->vstride : NULL;
        for (int i = 0; i < g->n_layers; i++) run_layer(e, i, b, patch, vs, 0);
    }
    return e->t[g->n_layers];
}

const int8_t *an_q_engine_tensor(const an_q_engine *e, int t) {
    return e->t[t];
}
