/*
** The gpu backend: the int8 graph embedded in the executable on CUDA
** device 0 (src/gpu), bit-exact with the reference engine. It needs a
** build with CUDA and a device; it keeps no counters, but measures each
** run's kernels with CUDA events (an_backend_device_ms).
*/
#include "backend_internal.h"

#include "asicnn/gpu.h"

#include <stdlib.h>
#include <string.h>

typedef struct gpu_impl {
    an_q_graph g;
    an_gpu *gp;
    int8_t *out; /* [batch, output size] */
    size_t n_out;
    double ms; /* the last run's kernels, CUDA events */
} gpu_impl;

static an_status gpu_supports(const an_npu_exe *x) {
    if (!an_gpu_built())
        return an_fail(AN_ERR_UNSUPPORTED, "the gpu backend is not in this build (no nvcc found)");
    if (an_gpu_device_count() < 1)
        return an_fail(AN_ERR_UNSUPPORTED, "the gpu backend finds no CUDA device");
    return rt_needs_graph(x, "gpu");
}

static an_status gpu_load(an_backend *b) {
    const an_npu_exe *x = b->x;
    gpu_impl *m = calloc(1, sizeof *m);
    b->impl = m;
    if (!m) return an_fail(AN_ERR_NOMEM, "out of memory for the gpu backend");
    m->n_out = (size_t)x->batch * x->output.h * x->output.w * x->output.c;
    an_status s = an_alloc_array((void **)&m->out, m->n_out, 1, "int8 output");
    if (!s) s = an_q8_parse(x->qref, (size_t)x->qref_size, x->source, &m->g);
    return s ? s : an_gpu_create(&m->gp, &m->g, x->batch);
}

static an_status gpu_run(an_backend *b, const int8_t *in) {
    gpu_impl *m = b->impl;
    return an_gpu_run(m->gp, in, b->x->batch, m->out, &m->ms);
}

static an_status gpu_device_ms(const an_backend *b, double *ms) {
    const gpu_impl *m = b->impl;
    *ms = m->ms;
    return AN_OK;
}

/* CUDA device 0's name, which every run uses. */
static void gpu_device_name(const an_backend *b, char *buf, size_t n) {
    an_gpu_device_name(buf, n);
}

static void gpu_output(const an_backend *b, int8_t *out) {
    const gpu_impl *m = b->impl;
    memcpy(out, m->out, m->n_out);
}

static void gpu_close(an_backend *b) {
    gpu_impl *m = b->impl;
    if (!m) return;
    an_gpu_free(m->gp);
    an_q_graph_free(&m->g);
    free(m->out);
    free(m);
}

const rt_backend_iface rt_backend_gpu = {.name = "gpu",
                                         .supports = gpu_supports,
                                         .load = gpu_load,
                                         .run = gpu_run,
                                         .output = gpu_output,
                                         .device_ms = gpu_device_ms,
                                         .device_name = gpu_device_name,
                                         .close = gpu_close};
