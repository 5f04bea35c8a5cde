/*
** Between the backend dispatcher (backend.c) and the backends, one file
** each (backend_ref.c, backend_sim.c, backend_rtl.c, backend_gpu.c): the
** table of operations every backend fills, in the spirit of ggml's backend
** interface. The dispatcher checks sizes and states; a backend only does
** its own work.
*/
#ifndef ASICNN_RUNTIME_BACKEND_INTERNAL_H
#define ASICNN_RUNTIME_BACKEND_INTERNAL_H

#include "asicnn/runtime.h"

typedef struct rt_backend_iface {
    const char *name;
    /* AN_BACKEND_CAP_* flags no operation below shows (the profile's);
    ** an_backend_caps adds those of the operations it has. */
    unsigned caps;
    /* AN_OK, or AN_ERR_UNSUPPORTED with the reason. */
    an_status (*supports)(const an_npu_exe *x);
    /* Set b->impl up for b->x. */
    an_status (*load)(an_backend *b);
    /* One batch [x.batch, input size]. */
    an_status (*run)(an_backend *b, const int8_t *in);
    /* The last run's logits [x.batch, output size]. */
    void (*output)(const an_backend *b, int8_t *out);
    /* The last run's DRAM image, NULL when the backend has none. */
    const uint8_t *(*dram)(const an_backend *b);
    /* The last run's counters; NULL when the backend counts nothing. */
    an_status (*counters)(const an_backend *b, an_profile *p);
    /* The last run's trace into path; NULL when the backend records none. */
    an_status (*trace)(const an_backend *b, const char *path);
    /* The last run's device time (ms); NULL when the backend measures none. */
    an_status (*device_ms)(const an_backend *b, double *ms);
    /* What b runs on; NULL: the backend's name. */
    void (*device_name)(const an_backend *b, char *buf, size_t n);
    /* Free b->impl (also after a failed load). */
    void (*close)(an_backend *b);
} rt_backend_iface;

struct an_backend {
    const rt_backend_iface *ops;
    const an_npu_exe *x;
    an_backend_opts opts;
    int ran; /* a run completed */
    void *impl;
};

extern const rt_backend_iface rt_backend_sim, rt_backend_rtl, rt_backend_ref, rt_backend_gpu;

/* The supports check of a backend that runs the int8 graph embedded in x
** (ref, gpu): AN_ERR_UNSUPPORTED naming x and the backend when it has none. */
an_status rt_needs_graph(const an_npu_exe *x, const char *backend);

/* A labelled data set run batch by batch (backend_batches.c). */

/* AN_OK when raw holds labelled samples of x's input size; AN_ERR_FORMAT
** naming the data set otherwise. */
an_status rt_batches_fit(const an_npu_exe *x, const an_dataset *raw);

/* One batch: the samples [at, at + n) of the data set (n real ones, the
** rest padding), quantized into q [x.batch, input size]; a step leaves its
** logits in out[0] (and whatever else it compares in out[1]), each
** [x.batch, output size]. */
typedef struct rt_batch {
    int64_t at;
    int n;
    int8_t *q, *out[2];
} rt_batch;
typedef an_status (*rt_batch_step)(void *ctx, const rt_batch *t);

/* Every batch of raw (which fits x) through step with n_out (1 or 2)
** output buffers, adding the real samples to *n and those whose logits
** classify them as labelled to *correct; stops at step's first failure. */
an_status rt_batches_run(const an_npu_exe *x, const an_dataset *raw, int n_out, rt_batch_step step,
                         void *ctx, int64_t *n, int64_t *correct);

#endif /* ASICNN_RUNTIME_BACKEND_INTERNAL_H */
