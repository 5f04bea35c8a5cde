/*
** The training loop, evaluation and prediction.
**
** an_train: mini-batches over a seeded per-epoch shuffle, progress with loss,
** accuracy and images/s, validation after each epoch. The same seed and
** thread count give the same weights, bit for bit. Evaluation and
** prediction run on the fast inference path (an_f_engine, AN_F_IMPL_FAST).
*/
#include "nn_internal.h"

#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Check that a data set fits the model's input and output. */
static an_status check_data(const an_model *m, const an_dataset *ds) {
    const an_node *in = &m->nodes[0], *out = &m->nodes[m->output];
    if (ds->features != an_node_size(in))
        return an_fail(AN_ERR_FORMAT,
                       "%s: samples have %lld features (%dx%dx%d) but the model's input is "
                       "%dx%dx%d",
                       ds->name, (long long)ds->features, ds->h, ds->w, ds->c, in->h, in->w, in->c);
    if (!ds->y) return an_fail(AN_ERR_FORMAT, "%s: the data set has no labels", ds->name);
    if (ds->num_classes > out->c)
        return an_fail(AN_ERR_FORMAT,
                       "%s: labels go up to %d but the model's last layer has %d outputs", ds->name,
                       ds->num_classes - 1, out->c);
    return AN_OK;
}

/* Gather samples idx[0..B) into contiguous x [B, F] and y [B]. */
static void gather(const an_dataset *ds, const int64_t *idx, int B, float *x, int32_t *y) {
    size_t F = (size_t)ds->features;
#pragma omp parallel for schedule(static)
    for (int b = 0; b < B; b++) memcpy(x + (size_t)b * F, ds->x + (size_t)idx[b] * F, F * 4);
    for (int b = 0; b < B; b++) y[b] = ds->y[idx[b]];
}

an_status an_train(an_model *m, an_exec *e, const an_dataset *train, const an_dataset *val,
                   const an_train_opts *o, an_epoch_fn on_epoch, void *ctx) {
    an_status s = check_data(m, train);
    if (!s && val) s = check_data(m, val);
    if (s) return s;
    if (o->batch < 1) return an_fail(AN_ERR_RANGE, "batch size must be >= 1");
    nn_set_threads(o->threads);
    int64_t n = train->n, F = train->features;
    int64_t *idx = NULL;
    float *x = NULL;
    int32_t *y = NULL;
    if ((s = an_alloc_array((void **)&idx, (size_t)n, sizeof *idx, "shuffle index")) ||
        (s = an_alloc_array((void **)&x, (size_t)o->batch * (size_t)F, 4, "batch")) ||
        (s = an_alloc_array((void **)&y, (size_t)o->batch, 4, "batch labels"))) {
        free(idx);
        free(x);
        return s;
    }
    for (int ep = o->start_epoch; ep < o->epochs; ep++) {
        an_rng r;
        an_rng_seed(&r, o->seed, (uint64_t)ep + 1);
        for (int64_t k = 0; k < n; k++) idx[k] = k;
        an_rng_shuffle(&r, idx, n);
        char label[32], extra[96];
        snprintf(label, sizeof label, "epoch %d/%d", ep + 1, o->epochs);
        an_progress p;
        an_progress_start(&p, o->progress, label, "img", n);
        double loss_sum = 0, t0 = an_now();
        int64_t correct = 0;
        for (int64_t at = 0; at < n; at += o->batch) {
            int B = (int)(n - at < o->batch ? n - at : o->batch);
            gather(train, idx + at, B, x, y);
            an_exec_forward(e, x, B, 1, o->seed ^ (uint64_t)an_exec_step_count(e) << 20);
            int c = 0;
            float loss = an_exec_train_step(e, y, B, &c);
            loss_sum += (double)loss * B;
            correct += c;
            snprintf(extra, sizeof extra, "loss %.4f acc %.4f", loss_sum / (double)(at + B),
                     (double)correct / (double)(at + B));
            an_progress_update(&p, at + B, extra);
        }
        an_epoch_log log = {.epoch = ep + 1,
                            .loss = (float)(loss_sum / (double)n),
                            .acc = (float)((double)correct / (double)n),
                            .val_loss = -1,
                            .val_acc = -1};
        log.seconds = an_now() - t0;
        log.images_per_s = (double)n / log.seconds;
        if (val) {
            an_eval_result ev;
            if ((s = an_evaluate(m, val, 256, o->threads, &ev))) break;
            log.val_loss = (float)ev.loss;
            log.val_acc = (float)((double)ev.correct / (double)ev.n);
            an_eval_result_free(&ev);
            snprintf(extra, sizeof extra, "loss %.4f acc %.4f val_loss %.4f val_acc %.4f", log.loss,
                     log.acc, log.val_loss, log.val_acc);
        } else {
            snprintf(extra, sizeof extra, "loss %.4f acc %.4f", log.loss, log.acc);
        }
        an_progress_finish(&p, extra);
        if (on_epoch) on_epoch(&log, ctx);
    }
    free(idx);
    free(x);
    free(y);
    return s;
}

an_status an_evaluate(an_model *m, const an_dataset *ds, int batch, int threads,
                      an_eval_result *r) {
    *r = (an_eval_result){0};
    an_status s = check_data(m, ds);
    if (s) return s;
    nn_set_threads(threads);
    int N = m->nodes[m->output].c;
    an_f_engine *e = NULL;
    if ((s = an_f_engine_create(&e, m, batch, AN_F_IMPL_FAST))) return s;
    if ((s = an_alloc_array((void **)&r->confusion, (size_t)N * (size_t)N, 8, "confusion"))) {
        an_f_engine_free(e);
        return s;
    }
    memset(r->confusion, 0, (size_t)N * N * 8);
    r->classes = N;
    double loss = 0;
    for (int64_t at = 0; at < ds->n; at += batch) {
        int B = (int)(ds->n - at < batch ? ds->n - at : batch);
        const float *logits = an_f_engine_run(e, ds->x + at * ds->features, B);
        loss += (double)nn_softmax_xent_sparse(NULL, logits, ds->y + at, B, N) * B;
        for (int b = 0; b < B; b++) {
            const float *row = logits + (size_t)b * N;
            int best = 0;
            for (int k = 1; k < N; k++)
                if (row[k] > row[best]) best = k;
            int t = ds->y[at + b];
            r->correct += best == t;
            r->confusion[(size_t)t * N + best]++;
        }
    }
    r->n = ds->n;
    r->loss = ds->n ? loss / (double)ds->n : 0;
    an_f_engine_free(e);
    return AN_OK;
}

void an_eval_result_free(an_eval_result *r) {
    free(r->confusion);
    r->confusion = NULL;
}

an_status an_predict(an_model *m, const float *x, float *probs) {
    an_f_engine *e = NULL;
    an_status s = an_f_engine_create(&e, m, 1, AN_F_IMPL_FAST);
    if (s) return s;
    const float *logits = an_f_engine_run(e, x, 1);
    nn_softmax(probs, logits, 1, m->nodes[m->output].c);
    an_f_engine_free(e);
    return AN_OK;
}
