/*
** The GPU backend when no CUDA compiler was found at configure time: every
** call says so, and there are no devices.
*/
#include "asicnn/gpu.h"

int an_gpu_built(void) {
    return 0;
}

int an_gpu_device_count(void) {
    return 0;
}

void an_gpu_device_name(char *buf, size_t n) {
    if (n) buf[0] = 0;
}

an_status an_gpu_create(an_gpu **out, const an_q_graph *g, int max_batch) {
    *out = NULL;
    return an_fail(AN_ERR_UNSUPPORTED, "%s: asicnn was built without CUDA (no nvcc found)",
                   g->source);
}

void an_gpu_free(an_gpu *gp) {
    (void)gp;
}

an_status an_gpu_run(an_gpu *gp, const int8_t *x, int B, int8_t *y, double *kernel_ms) {
    return an_fail(AN_ERR_UNSUPPORTED, "asicnn was built without CUDA (no nvcc found)");
}
