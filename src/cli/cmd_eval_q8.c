/*
** asicnn eval model.q8 DATA: an int8 graph on a data set, reported as eval
** reports a checkpoint: accuracy, loss (of the dequantized int8 logits),
** per-class accuracy and the confusion matrix; the engine's kernels, and
** with --check-fast the fast path held against the reference on every
** tensor of every sample. cmd_eval parses the command line.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/quant.h"

#include <math.h>
#include <stdlib.h>

/* Mean cross-entropy of g's int8 logits, dequantized (scale * (q - zp)),
** on the labelled samples raw, run again through impl in batches. */
static an_status q_loss(const an_q_graph *g, const an_dataset *raw, an_q_impl impl, int batch,
                        double *loss) {
    const an_q_layer *out = &g->layers[g->n_layers - 1];
    const int classes = out->h * out->w * out->c;
    const int64_t F = raw->features;
    an_q_engine *e = NULL;
    int8_t *q = NULL;
    double sum = 0;
    an_status s = an_q_engine_create(&e, g, batch, impl);
    if (!s) s = an_alloc_array((void **)&q, (size_t)batch * (size_t)F, 1, "int8 input");
    for (int64_t i = 0; !s && i < raw->n; i += batch) {
        const int B = (int)(raw->n - i < batch ? raw->n - i : batch);
        an_q_quantize_input(g, raw->x + i * F, B, q);
        const int8_t *y = an_q_engine_run(e, q, B);
        for (int b = 0; b < B; b++) {
            const int8_t *z = y + (size_t)b * classes;
            double top = -INFINITY, norm = 0;
            for (int k = 0; k < classes; k++)
                top = fmax(top, out->scale * (z[k] - out->zero_point));
            for (int k = 0; k < classes; k++)
                norm += exp(out->scale * (z[k] - out->zero_point) - top);
            const int label = raw->y[i + b];
            sum += top + log(norm) - out->scale * (z[label] - out->zero_point);
        }
    }
    free(q);
    an_q_engine_free(e);
    *loss = raw->n ? sum / (double)raw->n : 0;
    return s;
}

int cmd_eval_q8(const cli_eval_args *a) {
    an_q_graph g;
    an_dataset ds = {0};
    an_q_eval r = {0};
    an_csv_options csv;
    an_status s = cli_kind_check(an_q8_load(a->model, &g), a->model, CLI_KIND_Q8);
    if (!s && (s = cli_data_csv(&a->given, g.data_opts, a->model, &csv, NULL))) an_q_graph_free(&g);
    if (s) return cli_error(s);
    double dt = 0, loss = 0;
    /* --check-fast: the fast path (or the one named), every tensor compared
    ** with the reference */
    const an_q_impl run = a->check && a->impl == AN_Q_IMPL_REF ? AN_Q_IMPL_FAST : a->impl;
    if (!(s = cli_load_data(a->data, a->split, &csv, cli_q_features(&g), g.layers[g.n_layers - 1].c,
                            &ds))) {
        const double t0 = an_now();
        s = an_q_evaluate(&g, &ds, run, a->check ? AN_Q_IMPL_REF : AN_Q_IMPL_COUNT, (int)a->batch,
                          &r);
        dt = an_now() - t0;
    }
    if (!s && ds.y) s = q_loss(&g, &ds, run, (int)a->batch, &loss);
    if (!s) {
        printf("%s (int8, %s) on %s (%s split): %lld sample%s\n", a->model, g.calib, a->data,
               a->split == AN_SPLIT_TEST ? "test" : "train", (long long)r.n, cli_s(r.n));
        const char *path = an_q_fast_path(run);
        printf("accuracy %.2f%% (%lld/%lld), loss %.4f, %s engine%s%s%s, %.0f img/s\n",
               100.0 * (double)r.correct / (double)r.n, (long long)r.correct, (long long)r.n, loss,
               AN_Q_IMPL_NAME[run], path ? " (" : "", path ? path : "", path ? ")" : "",
               (double)r.n / dt);
        if (a->check)
            printf("check: fast path (%s) == reference engine, bit for bit, on every tensor of "
                   "%s%lld sample%s\n",
                   path, r.n == 1 ? "" : "all ", (long long)r.n, cli_s(r.n));
        cli_print_confusion(r.confusion, r.classes);
    }
    an_q_eval_free(&r);
    an_dataset_free(&ds);
    an_q_graph_free(&g);
    return s ? cli_error(s) : 0;
}
