/*
** The CUDA backend's host side: device discovery, the graph's parameters
** and one buffer per tensor on the device, and a run that launches one
** kernel per op in a stream, timed with CUDA events.
*/
#include "asicnn/gpu.h"
#include "gpu_internal.h"

#include <stdlib.h>
#include <string.h>

struct an_gpu {
    const an_q_graph *g;
    int max_batch;
    gpu_layer *layers; /* [n_layers] */
    int8_t **t;        /* [n_layers + 1] device tensors, batch-major */
    cudaStream_t st;
    cudaEvent_t ev[2];
};

extern "C" int an_gpu_built(void) {
    return 1;
}

extern "C" int an_gpu_device_count(void) {
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

extern "C" void an_gpu_device_name(char *buf, size_t n) {
    cudaDeviceProp p;
    if (!n) return;
    buf[0] = 0;
    if (an_gpu_device_count() > 0 && cudaGetDeviceProperties(&p, 0) == cudaSuccess)
        snprintf(buf, n, "%s", p.name);
}

static an_status cu_fail(cudaError_t e, const char *what) {
    return an_fail(AN_ERR_IO, "CUDA: %s: %s", what, cudaGetErrorString(e));
}

template <typename T> static cudaError_t upload(T **d, const T *h, size_t n) {
    cudaError_t e = cudaMalloc((void **)d, n * sizeof(T) + 1);
    return e != cudaSuccess ? e : cudaMemcpy(*d, h, n * sizeof(T), cudaMemcpyHostToDevice);
}

extern "C" void an_gpu_free(an_gpu *gp) {
    if (!gp) return;
    for (int i = 0; gp->layers && i < gp->g->n_layers; i++) {
        cudaFree(gp->layers[i].w);
        cudaFree(gp->layers[i].bias);
        cudaFree(gp->layers[i].mult);
        cudaFree(gp->layers[i].shift);
    }
    for (int i = 0; gp->t && i <= gp->g->n_layers; i++) cudaFree(gp->t[i]);
    if (gp->st) cudaStreamDestroy(gp->st);
    if (gp->ev[0]) cudaEventDestroy(gp->ev[0]);
    if (gp->ev[1]) cudaEventDestroy(gp->ev[1]);
    free(gp->layers);
    free(gp->t);
    free(gp);
}

extern "C" an_status an_gpu_create(an_gpu **out, const an_q_graph *g, int max_batch) {
    *out = NULL;
    if (an_gpu_device_count() < 1)
        return an_fail(AN_ERR_UNSUPPORTED, "%s: no CUDA device", g->source);
    for (int i = 0; i < g->n_layers; i++) /* the conv kernel is a dense one */
        if (g->layers[i].groups > 1)
            return an_fail(AN_ERR_UNSUPPORTED, "%s: layer %d (%s): grouped conv2d (groups %d) "
                           "is not supported by the GPU backend",
                           g->source, i, g->layers[i].name, g->layers[i].groups);
    an_gpu *gp = (an_gpu *)calloc(1, sizeof *gp);
    if (!gp) return an_fail(AN_ERR_NOMEM, "%s: cannot allocate the GPU backend", g->source);
    gp->g = g;
    gp->max_batch = max_batch < 1 ? 1 : max_batch;
    gp->layers = (gpu_layer *)calloc((size_t)g->n_layers, sizeof *gp->layers);
    gp->t = (int8_t **)calloc((size_t)g->n_layers + 1, sizeof *gp->t);
    if (!gp->layers || !gp->t) {
        an_gpu_free(gp);
        return an_fail(AN_ERR_NOMEM, "%s: cannot allocate the GPU backend", g->source);
    }
    cudaError_t e = cudaStreamCreate(&gp->st);
    if (e == cudaSuccess) e = cudaEventCreate(&gp->ev[0]);
    if (e == cudaSuccess) e = cudaEventCreate(&gp->ev[1]);
    for (int i = 0; e == cudaSuccess && i <= g->n_layers; i++)
        e = cudaMalloc((void **)&gp->t[i], (size_t)gp->max_batch * an_q_tensor_size(g, i) + 1);
    for (int i = 0; e == cudaSuccess && i < g->n_layers; i++) {
        const an_q_layer *l = &g->layers[i];
        if (l->op != AN_Q_CONV2D && l->op != AN_Q_DENSE) continue;
        gpu_layer *d = &gp->layers[i];
        e = upload(&d->w, l->weights, (size_t)l->c * l->k);
        if (e == cudaSuccess) e = upload(&d->bias, l->bias, (size_t)l->c);
        if (e == cudaSuccess) e = upload(&d->mult, l->mult, (size_t)l->c);
        if (e == cudaSuccess) e = upload(&d->shift, l->shift, (size_t)l->c);
    }
    if (e != cudaSuccess) {
        an_gpu_free(gp);
        return cu_fail(e, "uploading the int8 graph");
    }
    *out = gp;
    return AN_OK;
}

static void launch(an_gpu *gp, int i, int B) {
    const an_q_graph *g = gp->g;
    const an_q_layer *l = &g->layers[i];
    const an_tensor in = an_q_tensor_info(g, l->in[0]);
    const int8_t *x = gp->t[l->in[0]];
    int8_t *y = gp->t[i + 1];
    switch (l->op) {
    case AN_Q_CONV2D:
        gpu_launch_conv(l, &gp->layers[i], in, x, y, B, gp->st);
        break;
    case AN_Q_DENSE:
        gpu_launch_dense(l, &gp->layers[i], x, y, B, gp->st);
        break;
    case AN_Q_MAXPOOL:
    case AN_Q_AVGPOOL:
        gpu_launch_pool(l, in, x, y, B, gp->st);
        break;
    case AN_Q_ADD:
        gpu_launch_add(l, in, an_q_tensor_info(g, l->in[1]), x, gp->t[l->in[1]], y, B, gp->st);
        break;
    default: /* flatten: NHWC bytes unchanged */
        cudaMemcpyAsync(y, x, (size_t)B * an_q_tensor_size(g, i + 1), cudaMemcpyDeviceToDevice,
                        gp->st);
        break;
    }
}

extern "C" an_status an_gpu_run(an_gpu *gp, const int8_t *x, int B, int8_t *y, double *kernel_ms) {
    const an_q_graph *g = gp->g;
    if (B < 1 || B > gp->max_batch)
        return an_fail(AN_ERR_RANGE, "%s: batch %d outside [1, %d]", g->source, B, gp->max_batch);
    cudaError_t e = cudaMemcpyAsync(gp->t[0], x, (size_t)B * an_q_tensor_size(g, 0),
                                    cudaMemcpyHostToDevice, gp->st);
    if (e == cudaSuccess) e = cudaEventRecord(gp->ev[0], gp->st);
    for (int i = 0; e == cudaSuccess && i < g->n_layers; i++) {
        launch(gp, i, B);
        e = cudaGetLastError();
    }
    if (e == cudaSuccess) e = cudaEventRecord(gp->ev[1], gp->st);
    if (e == cudaSuccess)
        e = cudaMemcpyAsync(y, gp->t[g->n_layers], (size_t)B * an_q_tensor_size(g, g->n_layers),
                            cudaMemcpyDeviceToHost, gp->st);
    if (e == cudaSuccess) e = cudaStreamSynchronize(gp->st);
    float ms = 0;
    if (e == cudaSuccess && kernel_ms) e = cudaEventElapsedTime(&ms, gp->ev[0], gp->ev[1]);
    if (e != cudaSuccess) return cu_fail(e, "running the int8 graph");
    if (kernel_ms) *kernel_ms = ms;
    return AN_OK;
}
