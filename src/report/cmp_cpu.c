/*
** The CPU rows of the comparison, measured on this machine: the fast int8
** path (AN_Q_IMPL_FAST) and, given its checkpoint, asicnn's float engine.
** Each figure is the median of AN_CMP_REPEATS timed runs (the spread of
** the throughput goes into the notes): latency is the mean wall time of
** images run one at a time, throughput images per second over batches (up
** to 1,024 images a run; the float engine's first run covers the whole set
** for its accuracy);
** energy is a stated package power times the batch-1 latency (an estimate,
** not a measurement).
*/
#include "asicnn/nn.h"
#include "asicnn/report.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

an_spread an_spread_of(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    const double med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    return (an_spread){med, v[0], v[n - 1]};
}

static void cpu_source(an_cmp_row *r, const an_cmp_opts *o, const char *what) {
    snprintf(r->source, sizeof r->source,
             "%s; wall time measured on this machine, median of %d runs (%lld images at batch "
             "1, batches of %d); energy = %.0f W package power (estimate, not measured) x latency",
             what, AN_CMP_REPEATS, (long long)o->latency_images, o->batch, o->cpu_watts);
}

/* Medians of the per-run latencies lat and rates thr [AN_CMP_REPEATS] into
** r, the rate's spread into notes [n] after `what`. */
static void set_medians(an_cmp_row *r, double *lat, double *thr, const char *what) {
    const an_spread l = an_spread_of(lat, AN_CMP_REPEATS), t = an_spread_of(thr, AN_CMP_REPEATS);
    r->latency_us = l.median;
    r->throughput = t.median;
    snprintf(r->extra, sizeof r->extra, "%s; %d runs %.0f..%.0f img/s", what, AN_CMP_REPEATS, t.min,
             t.max);
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
        double lat[AN_CMP_REPEATS], thr[AN_CMP_REPEATS];
        for (int rep = 0; rep < AN_CMP_REPEATS; rep++) {
            double t0 = an_now();
            for (int64_t i = 0; i < l; i++) an_q_engine_run(e, q + i * F, 1);
            lat[rep] = (an_now() - t0) / (double)l * 1e6;
            int64_t done = 0;
            t0 = an_now();
            for (int64_t i = 0; i + o->batch <= n && done < 1024; i += o->batch, done += o->batch)
                an_q_engine_run(e, q + i * F, o->batch);
            if (!done) an_q_engine_run(e, q, (int)n), done = n;
            thr[rep] = (double)done / (an_now() - t0);
        }
        set_medians(r, lat, thr, an_q_fast_path(AN_Q_IMPL_FAST));
        r->accuracy = 100.0 * (double)ev.correct / (double)ev.n;
    }
    snprintf(r->target, sizeof r->target, "CPU int8");
    r->measured = 1;
    r->batch = o->batch;
    r->energy_uj = o->cpu_watts * r->latency_us;
    r->area_mm2 = r->clock_mhz = -1;
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
        double lat[AN_CMP_REPEATS], thr[AN_CMP_REPEATS];
        /* the first run over the whole set (accuracy), the others over its
        ** first 1024 images */
        an_dataset part = ds;
        if (part.n > 1024) part.n = 1024;
        for (int rep = 0; !s && rep < AN_CMP_REPEATS; rep++) {
            double t0 = an_now();
            for (int64_t i = 0; i < l; i++) an_exec_forward(e, ds.x + i * ds.features, 1, 0, 0);
            lat[rep] = (an_now() - t0) / (double)(l ? l : 1) * 1e6;
            an_eval_result r2 = {0};
            t0 = an_now();
            s = an_evaluate(&m, rep ? &part : &ds, o->batch, o->threads, rep ? &r2 : &ev);
            thr[rep] = (double)(rep ? part.n : ds.n) / (an_now() - t0);
            an_eval_result_free(&r2);
        }
        if (!s) set_medians(r, lat, thr, "float32, OpenBLAS");
    }
    if (!s) r->accuracy = 100.0 * (double)ev.correct / (double)ev.n;
    snprintf(r->target, sizeof r->target, "CPU float");
    r->measured = 1;
    r->batch = o->batch;
    r->energy_uj = o->cpu_watts * r->latency_us;
    r->area_mm2 = r->clock_mhz = -1;
    cpu_source(r, o, "asicnn float engine on the checkpoint (throughput: an_evaluate)");
    an_eval_result_free(&ev);
    an_exec_free(e);
    an_dataset_free(&ds);
    an_norm_free(&x.norm);
    free(optim);
    an_model_free(&m);
    return s;
}
