/*
** The CPU rows of the comparison, measured on this machine: the fast int8
** path (AN_Q_IMPL_FAST) and, given its checkpoint, asicnn's float engine.
** Latency is the mean wall time of images run one at a time; throughput
** is images per second over batches; energy is a stated package power
** times the batch-1 latency (an estimate, not a measurement).
*/
#include "asicnn/nn.h"
#include "asicnn/report.h"

#include <stdlib.h>
#include <string.h>

static void cpu_source(an_cmp_row *r, const an_cmp_opts *o, const char *what) {
    snprintf(r->source, sizeof r->source,
             "%s; wall time measured on this machine (%lld images at batch 1, batches of %d); "
             "energy = %.0f W package power (estimate, not measured) x latency",
             what, (long long)o->latency_images, o->batch, o->cpu_watts);
}

an_status an_cmp_cpu_int8(const an_q_graph *g, const an_dataset *test, const an_cmp_opts *o,
                          an_cmp_row *r) {
    const int64_t F = an_q_tensor_size(g, 0);
    const int64_t n = test->n < 4096 ? test->n : 4096;
    an_q_engine *e = NULL;
    int8_t *q = NULL;
    an_q_eval ev = {0};
    an_status s = an_q_engine_create(&e, g, o->batch, AN_Q_IMPL_FAST);
    if (!s) s = an_alloc_array((void **)&q, (size_t)n, (size_t)F, "int8 inputs");
    if (!s) s = an_q_evaluate(g, test, AN_Q_IMPL_FAST, AN_Q_IMPL_COUNT, 256, &ev);
    if (!s) {
        an_q_quantize_input(g, test->x, n, q);
        const int64_t l = o->latency_images < n ? o->latency_images : n;
        double t0 = an_now();
        for (int64_t i = 0; i < l; i++) an_q_engine_run(e, q + i * F, 1);
        r->latency_us = (an_now() - t0) / (double)l * 1e6;
        int64_t done = 0;
        t0 = an_now();
        for (int64_t i = 0; i + o->batch <= n; i += o->batch, done += o->batch)
            an_q_engine_run(e, q + i * F, o->batch);
        if (!done) an_q_engine_run(e, q, (int)n), done = n;
        r->throughput = (double)done / (an_now() - t0);
        r->accuracy = 100.0 * (double)ev.correct / (double)ev.n;
    }
    snprintf(r->target, sizeof r->target, "CPU int8");
    r->measured = 1;
    r->batch = o->batch;
    r->energy_uj = o->cpu_watts * r->latency_us;
    r->area_mm2 = r->clock_mhz = -1;
    snprintf(r->extra, sizeof r->extra, "%s", an_q_fast_path(AN_Q_IMPL_FAST));
    cpu_source(r, o,
               "asicnn fast int8 path (VNNI, AVX2 or scalar kernels chosen at run time, OpenMP)");
    an_q_eval_free(&ev);
    free(q);
    an_q_engine_free(e);
    return s;
}

an_status an_cmp_cpu_float(const char *ckpt, const an_dataset *test, const an_cmp_opts *o,
                           an_cmp_row *r) {
    an_model m = {0};
    an_ckpt_extra x = {0};
    float *optim = NULL;
    an_dataset ds = {0};
    an_exec *e = NULL;
    an_eval_result ev = {0};
    an_status s = an_ckpt_load(ckpt, &m, &x, &optim);
    if (!s) s = an_dataset_alloc(&ds, test->n, test->h, test->w, test->c);
    if (!s) {
        memcpy(ds.x, test->x, (size_t)test->n * test->features * sizeof(float));
        if (test->y) memcpy(ds.y, test->y, (size_t)test->n * sizeof(int32_t));
        ds.num_classes = test->num_classes;
        s = an_norm_apply(&x.norm, &ds);
    }
    if (!s) s = an_exec_create(&e, &m, o->batch, 0);
    if (!s) {
        const int64_t l = o->latency_images < ds.n ? o->latency_images : ds.n;
        double t0 = an_now();
        for (int64_t i = 0; i < l; i++) an_exec_forward(e, ds.x + i * ds.features, 1, 0, 0);
        r->latency_us = (an_now() - t0) / (double)(l ? l : 1) * 1e6;
        t0 = an_now();
        s = an_evaluate(&m, &ds, o->batch, 0, &ev);
        r->throughput = (double)ds.n / (an_now() - t0);
    }
    if (!s) r->accuracy = 100.0 * (double)ev.correct / (double)ev.n;
    snprintf(r->target, sizeof r->target, "CPU float");
    r->measured = 1;
    r->batch = o->batch;
    r->energy_uj = o->cpu_watts * r->latency_us;
    r->area_mm2 = r->clock_mhz = -1;
    snprintf(r->extra, sizeof r->extra, "float32, OpenBLAS");
    cpu_source(r, o, "asicnn float engine on the checkpoint (throughput: an_evaluate)");
    an_eval_result_free(&ev);
    an_exec_free(e);
    an_dataset_free(&ds);
    an_norm_free(&x.norm);
    free(optim);
    an_model_free(&m);
    return s;
}
