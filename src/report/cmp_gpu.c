/*
** The GPU row of the comparison: with a CUDA device, the int8 graph on the
** CUDA backend, its logits checked byte for byte against the reference
** engine and its kernels timed with CUDA events; without one, the H100
** SXM roofline + launch-latency model (asicnn/gpu.h), labelled modelled.
*/
#include "asicnn/gpu.h"
#include "asicnn/report.h"

#include <stdlib.h>
#include <string.h>

static void modelled(const an_q_graph *g, const an_cmp_opts *o, an_cmp_row *r) {
    const an_gpu_spec sp = an_gpu_h100_sxm();
    const an_gpu_estimate e1 = an_gpu_model(g, 1, &sp), eb = an_gpu_model(g, o->batch, &sp);
    snprintf(r->target, sizeof r->target, "GPU %s", sp.name);
    r->measured = 0;
    r->latency_us = e1.latency_us;
    r->throughput = (double)o->batch / eb.latency_us * 1e6;
    r->energy_uj = e1.energy_uj;
    snprintf(r->extra, sizeof r->extra, "%d kernels, roofline %.3f us", e1.kernels, e1.roof_us);
    snprintf(r->source, sizeof r->source,
             "no CUDA device here%s: roofline max(ops/peak, bytes/bandwidth) + launches; %s; "
             "energy = 700 W x latency",
             an_gpu_built() ? " (CUDA backend built)" : " (built without CUDA)", sp.source);
}

/* Time the CUDA backend; fails when its logits differ from the reference. */
static an_status measured(const an_q_graph *g, const an_dataset *test, const an_cmp_opts *o,
                          an_cmp_row *r) {
    const int64_t F = an_q_tensor_size(g, 0), N = an_q_tensor_size(g, g->n_layers);
    const int B = o->batch;
    const int64_t n = test->n < B ? test->n : B;
    an_gpu *gp = NULL;
    an_q_engine *ref = NULL;
    int8_t *q = NULL, *y = NULL;
    an_status s = an_gpu_create(&gp, g, B);
    if (!s) s = an_q_engine_create(&ref, g, B, AN_Q_IMPL_REF);
    if (!s) s = an_alloc_array((void **)&q, (size_t)B, (size_t)F, "GPU inputs");
    if (!s) s = an_alloc_array((void **)&y, (size_t)B, (size_t)N, "GPU outputs");
    double ms1 = 0, msb = 0, t;
    if (!s) {
        memset(q, 0, (size_t)B * F);
        an_q_quantize_input(g, test->x, n, q);
        s = an_gpu_run(gp, q, B, y, &t); /* warm-up */
    }
    if (!s && memcmp(y, an_q_engine_run(ref, q, B), (size_t)B * N))
        s = an_fail(AN_ERR_INTERNAL, "%s: GPU logits differ from the reference engine", g->source);
    for (int i = 0; !s && i < 20; i++) {
        if (!(s = an_gpu_run(gp, q, 1, y, &t))) ms1 += t / 20;
        if (!s && !(s = an_gpu_run(gp, q, B, y, &t))) msb += t / 20;
    }
    if (!s) {
        char name[128];
        an_gpu_device_name(name, sizeof name);
        snprintf(r->target, sizeof r->target, "GPU %.30s", name);
        r->measured = 1;
        r->latency_us = ms1 * 1e3;
        r->throughput = B / (msb * 1e-3);
        r->energy_uj = 700.0 * r->latency_us;
        snprintf(r->extra, sizeof r->extra, "CUDA backend, bit-exact on %d images", B);
        snprintf(r->source, sizeof r->source,
                 "CUDA backend (one kernel per op) timed with CUDA events, mean of 20 runs; "
                 "logits equal the reference engine's; energy = 700 W board power (H100 SXM "
                 "TDP, estimate) x latency");
    }
    free(q);
    free(y);
    an_q_engine_free(ref);
    an_gpu_free(gp);
    return s;
}

an_status an_cmp_gpu(const an_q_graph *g, const an_dataset *test, const an_cmp_opts *o,
                     an_cmp_row *r) {
    r->batch = o->batch;
    r->area_mm2 = r->clock_mhz = -1;
    if (an_gpu_device_count() > 0) return measured(g, test, o, r);
    modelled(g, o, r);
    return AN_OK;
}
