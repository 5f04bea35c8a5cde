/*
** asicnn gpu: the int8 graph on a CUDA GPU, and a roofline + launch-latency
** model of a GPU for machines without one.
**
** Contract
** - The CUDA backend (src/gpu, .cu files) runs every op of an an_q_graph with the
**   integer semantics of the reference engine (gemmlowp requantization,
**   zero-point padding, TFLite add and average pool): bit-exact with it.
**   It is built when CMake finds a CUDA compiler; otherwise every call
**   fails with AN_ERR_UNSUPPORTED and an_gpu_device_count returns 0.
** - Runs are timed with CUDA events (kernels only, inputs already on the
**   device) and, separately, end to end with the host copies.
** - The model is pure arithmetic on the graph's MACs and bytes; it never
**   touches a device and is labelled "modelled" wherever it is shown.
** - Library calls return an_status with a message; nothing prints.
*/
#ifndef ASICNN_GPU_H
#define ASICNN_GPU_H

#include "asicnn/quant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the CUDA backend was compiled in. */
int an_gpu_built(void);
/* CUDA devices present (0 when none, when the driver is missing, or when
** the backend was not built). */
int an_gpu_device_count(void);
/* Name of device 0 into buf ("" when none). */
void an_gpu_device_name(char *buf, size_t n);

typedef struct an_gpu an_gpu;

/* Copy g's parameters to device 0 and allocate buffers for max_batch. */
an_status an_gpu_create(an_gpu **out, const an_q_graph *g, int max_batch);
void an_gpu_free(an_gpu *gp);

/* Run B int8 samples x [B, input size]; the int8 logits land in
** y [B, output size]. kernel_ms (may be NULL): CUDA-event time of the
** kernels alone. */
an_status an_gpu_run(an_gpu *gp, const int8_t *x, int B, int8_t *y, double *kernel_ms);

/* ------------------------------------------------------------------------ */
/* The model                                                                */

typedef struct an_gpu_spec {
    const char *name;
    double int8_tops;   /* dense int8 tensor-core peak, 1e12 ops/s */
    double mem_tb_s;    /* memory bandwidth, 1e12 bytes/s */
    double watts;       /* board power (max TDP) */
    double launch_us;   /* per kernel launch */
    const char *source; /* where the figures come from */
} an_gpu_spec;

/* H100 SXM: 1,979 dense int8 TOPS, 3.35 TB/s, 700 W, 5 us per launch. */
an_gpu_spec an_gpu_h100_sxm(void);

typedef struct an_gpu_estimate {
    int batch;
    int kernels;       /* launches per batch (one per op, as src/gpu runs it) */
    double ops, bytes; /* per batch: 2 x MACs; weights once + activations per sample */
    double roof_us;    /* max(ops / peak, bytes / bandwidth) */
    double latency_us; /* roof + kernels x launch, per batch */
    double energy_uj;  /* board power x latency, per batch */
} an_gpu_estimate;

an_gpu_estimate an_gpu_model(const an_q_graph *g, int batch, const an_gpu_spec *s);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_GPU_H */
