/*
** The GPU model: a roofline (int8 tensor-core peak, memory bandwidth) plus
** one kernel launch per op, and energy as board power times latency (at
** batch 1 static power dominates). Figures: H100 SXM5 data sheet numbers
** (int8 dense 1,978.9 TOPS, HBM3 3.35 TB/s, 700 W); launch cost 5 us, the
** low end of the 5-20 us usually measured without CUDA Graphs.
*/
#include "asicnn/gpu.h"

an_gpu_spec an_gpu_h100_sxm(void) {
    an_gpu_spec s = {
        .name = "H100 SXM",
        .int8_tops = 1979.0,
        .mem_tb_s = 3.35,
        .watts = 700.0,
        .launch_us = 5.0,
        .source = "H100 SXM5 data sheet: 1979 dense int8 TOPS, 3.35 TB/s HBM3, 700 W; "
                  "5 us per kernel launch",
    };
    return s;
}

an_gpu_estimate an_gpu_model(const an_q_graph *g, int batch, const an_gpu_spec *s) {
    an_gpu_estimate e = {.batch = batch < 1 ? 1 : batch};
    double macs = 0, wbytes = 0, abytes = (double)an_q_tensor_size(g, 0);
    for (int i = 0; i < g->n_layers; i++) {
        const an_q_layer *l = &g->layers[i];
        const double out = (double)an_q_tensor_size(g, i + 1);
        if (l->op == AN_Q_CONV2D || l->op == AN_Q_DENSE) {
            macs += out * l->k;
            wbytes += (double)l->c * l->k + 12.0 * l->c; /* weights; bias, mult, shift */
        }
        abytes += 2 * out; /* written, then read by the next op */
        e.kernels++;
    }
    e.ops = 2 * macs * e.batch;
    e.bytes = wbytes + abytes * e.batch;
    const double t_ops = e.ops / (s->int8_tops * 1e6), t_mem = e.bytes / (s->mem_tb_s * 1e6);
    e.roof_us = t_ops > t_mem ? t_ops : t_mem;
    e.latency_us = e.roof_us + e.kernels * s->launch_us;
    e.energy_uj = s->watts * e.latency_us;
    return e;
}
