/*
** The float model against its int8 graph on the same samples: accuracy of
** each, prediction agreement, and per-layer signal-to-quantization-noise
** ratio SQNR = 10 log10(sum f^2 / sum (f - s (q - z))^2), where f is the
** float node the layer approximates and q its int8 output. For the output
** layer, whose range deliberately clamps losing logits from below, f is
** clamped to that floor first.
*/
#include "asicnn/quant.h"

#include <math.h>
#include <stdlib.h>

void an_q_compare_free(an_q_compare *r) {
    free(r->sqnr_db);
    r->sqnr_db = NULL;
}

static int argmax_f(const float *x, int n) {
    int best = 0;
    for (int k = 1; k < n; k++)
        if (x[k] > x[best]) best = k;
    return best;
}

an_status an_q_compare_models(an_model *m, const an_q_graph *g, const an_dataset *norm_ds,
                              const an_dataset *raw_ds, an_q_impl impl, int batch,
                              an_q_compare *r) {
    *r = (an_q_compare){0};
    const int64_t F = an_q_tensor_size(g, 0);
    const int L = g->n_layers, N = (int)an_q_tensor_size(g, L);
    if (norm_ds->n != raw_ds->n || norm_ds->features != F || raw_ds->features != F ||
        an_node_size(&m->nodes[0]) != F || an_node_size(&m->nodes[m->output]) != N)
        return an_fail(AN_ERR_FORMAT,
                       "%s: the model, the int8 graph and the data disagree on "
                       "input or output sizes",
                       g->source);
    if (!raw_ds->y) return an_fail(AN_ERR_FORMAT, "%s: comparison needs labels", raw_ds->name);
    if (batch < 1) batch = 256;
    int *node = malloc(sizeof(int) * (size_t)L);             /* [L] float node per layer */
    double *sig = calloc((size_t)L, sizeof(double));         /* [L] sum f^2 */
    double *err = calloc((size_t)L, sizeof(double));         /* [L] sum (f - deq)^2 */
    int8_t *q = malloc((size_t)batch * (size_t)(F ? F : 1)); /* [batch, F] */
    r->sqnr_db = calloc((size_t)L, sizeof(double));
    an_exec *fe = NULL;
    an_q_engine *qe = NULL;
    an_status s = AN_OK;
    if (!node || !sig || !err || !q || !r->sqnr_db)
        s = an_fail(AN_ERR_NOMEM, "out of memory (compare)");
    for (int i = 0; !s && i < L; i++) {
        node[i] = an_model_find(m, g->layers[i].float_node);
        if (node[i] < 0 || an_node_size(&m->nodes[node[i]]) != an_q_tensor_size(g, i + 1))
            s = an_fail(AN_ERR_FORMAT,
                        "%s: layer %d (%s): float node '%s' not in %s or of "
                        "another size",
                        g->source, i, g->layers[i].name, g->layers[i].float_node, m->source);
    }
    if (!s) s = an_exec_create(&fe, m, batch, 0);
    if (!s) s = an_q_engine_create(&qe, g, batch, impl);
    r->n_layers = L;
    for (int64_t at = 0; !s && at < raw_ds->n; at += batch) {
        const int B = (int)(raw_ds->n - at < batch ? raw_ds->n - at : batch);
        const float *logits = an_exec_forward(fe, norm_ds->x + at * F, B, 0, 0);
        an_q_quantize_input(g, raw_ds->x + at * F, B, q);
        const int8_t *ql = an_q_engine_run(qe, q, B);
        for (int b = 0; b < B; b++) {
            const int pf = argmax_f(logits + (size_t)b * N, N);
            const int pq = an_q_argmax(ql + (size_t)b * N, N);
            const int t = raw_ds->y[at + b];
            r->float_correct += pf == t;
            r->int8_correct += pq == t;
            r->agree += pf == pq;
        }
        for (int i = 0; i < L; i++) {
            const an_q_layer *l = &g->layers[i];
            const float *f = an_exec_node_output(fe, node[i]); /* [B, size] */
            const int8_t *y = an_q_engine_tensor(qe, i + 1);   /* [B, size] */
            const int64_t cnt = (int64_t)B * an_q_tensor_size(g, i + 1);
            /* the output's floor is a deliberate clamp of losing logits (calib.c):
               its reference is the float logit clamped to the same floor */
            const double floor_v =
                i == L - 1 ? (double)l->scale * (l->act_min - l->zero_point) : -INFINITY;
            for (int64_t k = 0; k < cnt; k++) {
                const double d = (double)l->scale * ((double)y[k] - l->zero_point);
                const double fv = fmax((double)f[k], floor_v);
                sig[i] += fv * fv;
                err[i] += (fv - d) * (fv - d);
            }
        }
    }
    r->n = raw_ds->n;
    for (int i = 0; !s && i < L; i++)
        r->sqnr_db[i] = err[i] > 0 ? 10.0 * log10(sig[i] / err[i]) : INFINITY;
    an_exec_free(fe);
    an_q_engine_free(qe);
    free(node);
    free(sig);
    free(err);
    free(q);
    if (s) an_q_compare_free(r);
    return s;
}
