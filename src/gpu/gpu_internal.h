/*
** Between the CUDA backend's host side (gpu_backend.cu) and its kernels
** (gpu_kernels.cu): one launcher per op, each running a whole batch on
** device pointers in the given stream.
*/
#ifndef ASICNN_GPU_INTERNAL_H
#define ASICNN_GPU_INTERNAL_H

#include "asicnn/quant.h"

#include <cuda_runtime.h>

/* A layer's parameters on the device. */
typedef struct gpu_layer {
    int8_t *w;
    int32_t *bias, *mult, *shift;
} gpu_layer;

void gpu_launch_conv(const an_q_layer *l, const gpu_layer *d, an_tensor in, const int8_t *x,
                     int8_t *y, int B, cudaStream_t st);
void gpu_launch_dense(const an_q_layer *l, const gpu_layer *d, const int8_t *x, int8_t *y, int B,
                      cudaStream_t st);
void gpu_launch_pool(const an_q_layer *l, an_tensor in, const int8_t *x, int8_t *y, int B,
                     cudaStream_t st);
void gpu_launch_add(const an_q_layer *l, an_tensor a, an_tensor b, const int8_t *xa,
                    const int8_t *xb, int8_t *y, int B, cudaStream_t st);

#endif /* ASICNN_GPU_INTERNAL_H */
