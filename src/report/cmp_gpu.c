/*
** The GPU row of the comparison: when a backend of the runtime measures
** device time and supports the program (the gpu backend: a CUDA build and
** device), the int8 graph on it through the backend interface
** (asicnn/runtime.h), its logits checked byte for byte against the ref
** backend's (the reference engine) and its kernels timed by the backend's
** device time (CUDA events) at batch 1 and B; otherwise the H100 SXM
** roofline + launch-latency model (asicnn/gpu.h), labelled modelled, and
** the backends' reasons for the caller.
*/
#include "asicnn/gpu.h"
#include "asicnn/report.h"
#include "asicnn/runtime.h"

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

/* g compiled for cfg at batch B with g embedded: the program the backends
** load (the gpu and ref backends run the int8 graph it embeds; the chip
** does not matter). */
static an_status program(const an_q_graph *g, const an_npu_config *cfg, int B, an_npu_exe *x) {
    an_npu_compile_opts co = an_npu_compile_defaults();
    co.batch = B;
    uint8_t *q8 = NULL;
    size_t n = 0;
    an_status s = an_q8_encode(g, &q8, &n);
    if (!s) s = an_npu_compile(g, cfg, &co, q8, n, x, NULL);
    free(q8);
    return s;
}

/* Backend k and the ref backend on the same batch of test images: fails
** when their logits differ. */
static an_status check_exact(an_backend_kind k, const an_npu_exe *x, const int8_t *q) {
    const an_backend_kind kinds[2] = {k, AN_BACKEND_REF};
    const size_t N = (size_t)x->batch * (size_t)an_tensor_numel(&x->output);
    int8_t *y[2] = {NULL, NULL};
    an_status s = AN_OK;
    for (int i = 0; !s && i < 2; i++) {
        an_backend *b = NULL;
        s = an_alloc_array((void **)&y[i], N, 1, "logits");
        if (!s) s = an_backend_load(&b, kinds[i], x, NULL);
        if (!s) s = an_backend_run(b, q);
        if (!s) s = an_backend_output(b, y[i]);
        an_backend_close(b);
    }
    if (!s && memcmp(y[0], y[1], N))
        s = an_fail(AN_ERR_INTERNAL,
                    "%s: the %s backend's logits differ from the reference engine's", x->source,
                    an_backend_name(k));
    free(y[0]);
    free(y[1]);
    return s;
}

/* One run of q on b; *ms accumulates its device time / runs. */
static an_status timed(an_backend *b, const int8_t *q, int runs, double *ms) {
    double t = 0;
    an_status s = an_backend_run(b, q);
    if (!s) s = an_backend_device_ms(b, &t);
    *ms += t / runs;
    return s;
}

/* Time backend k at batch 1 and B (each program loaded once), after
** checking its logits against the ref backend's on B test images. */
static an_status measured(an_backend_kind k, const an_npu_exe x[2], const an_dataset *test,
                          an_cmp_row *r) {
    enum { RUNS = 20 };
    const an_npu_exe *xb = &x[1];
    const int B = xb->batch;
    const int64_t F = an_tensor_numel(&xb->input), n = test->n < B ? test->n : B;
    an_backend *b[2] = {NULL, NULL};
    int8_t *q = NULL;
    an_status s = an_alloc_array((void **)&q, (size_t)B, (size_t)F, "GPU inputs");
    if (!s) {
        an_dataset part = *test;
        part.n = n;
        memset(q, 0, (size_t)B * F);
        an_npu_quantize_batch(xb, &part, 0, q);
        s = check_exact(k, xb, q);
    }
    for (int i = 0; !s && i < 2; i++) s = an_backend_load(&b[i], k, &x[i], NULL);
    double ms[2] = {0, 0}, warm = 0;
    if (!s) s = timed(b[1], q, 1, &warm); /* warm-up */
    for (int i = 0; !s && i < RUNS; i++)
        for (int j = 0; !s && j < 2; j++) s = timed(b[j], q, RUNS, &ms[j]);
    if (!s) {
        char name[128];
        an_backend_device_name(b[0], name, sizeof name);
        snprintf(r->target, sizeof r->target, "GPU %.30s", name);
        r->measured = 1;
        r->latency_us = ms[0] * 1e3;
        r->throughput = B / (ms[1] * 1e-3);
        r->energy_uj = 700.0 * r->latency_us;
        snprintf(r->extra, sizeof r->extra, "CUDA backend, bit-exact on %d images", B);
        snprintf(r->source, sizeof r->source,
                 "CUDA backend (one kernel per op) timed with CUDA events, mean of 20 runs; "
                 "logits equal the reference engine's; energy = 700 W board power (the TDP "
                 "of an H100/H200 SXM, taken for any device: an estimate) x latency");
    }
    free(q);
    an_backend_close(b[0]);
    an_backend_close(b[1]);
    return s;
}

an_status an_cmp_gpu(const an_q_graph *g, const an_npu_config *cfg, const an_dataset *test,
                     const an_cmp_opts *o, an_cmp_row *r, char *why, size_t why_n) {
    r->batch = o->batch;
    r->area_mm2 = r->clock_mhz = -1;
    an_npu_exe x[2];
    memset(x, 0, sizeof x);
    an_backend_kind k;
    an_status s = program(g, cfg, 1, &x[0]);
    if (!s) s = program(g, cfg, o->batch, &x[1]);
    if (!s && an_backend_find(AN_BACKEND_CAP_DEVICE_TIME, &x[1], &k) == AN_OK) {
        s = measured(k, x, test, r);
    } else if (!s) {
        snprintf(why, why_n, "%s", an_errmsg());
        modelled(g, o, r);
    }
    an_npu_exe_free(&x[0]);
    an_npu_exe_free(&x[1]);
    return s;
}
