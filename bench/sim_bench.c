/*
** Simulator speed: simulated MACs per second of host time, with the timing
** model on, for AlexNet Conv1 as a weight-stationary GEMM on a 32x32 chip
** (3025 x 363 x 96, SCALE-Sim's golden layer; SCALE-Sim v2 takes about
** 17.5 s for it, about 6e6 MAC/s) and, when given, an executable such as
** the seed CNN compiled at batch 64.
**
**   sim_bench [model.npu]
*/
#include "asicnn/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static an_isa_insn dma(int buf, int64_t sram, int64_t dram, int64_t bytes) {
    return (an_isa_insn){.op = AN_ISA_LOAD,
                         .buf = buf,
                         .sram = sram,
                         .dram = dram,
                         .ysize = 1,
                         .xsize = bytes,
                         .xbytes = 1,
                         .pitch = 1,
                         .dram_xstride = 1,
                         .dram_ystride = bytes};
}

/* AlexNet Conv1 as im2col rows: weights (12 chunks x 3 column tiles of
** 32 x 32), then 3025 rows of 384 bytes; each column tile accumulates its
** 12 chunks over all rows. Tokens: the loads push, the first PRELOAD and
** GEMM pop. */
static an_status alexnet(an_npu_exe *x) {
    const int R = 32, C = 32, KC = 12, NT = 3, T = 3025;
    memset(x, 0, sizeof *x);
    an_status s = an_npu_config_get("npu16", &x->cfg);
    if (s) return s;
    snprintf(x->cfg.name, sizeof x->cfg.name, "ws32");
    x->cfg.rows = R, x->cfg.cols = C, x->cfg.vec_lanes = C;
    x->cfg.act_bytes = 2 << 20, x->cfg.wgt_bytes = 256 << 10, x->cfg.acc_bytes = 512 << 10;
    snprintf(x->source, sizeof x->source, "alexnet-conv1");
    x->batch = 1;
    const int64_t W = (int64_t)KC * NT * R * C, A = (int64_t)T * KC * R;
    x->dram_size = W + A;
    x->data_size = W;
    x->data = malloc((size_t)W);
    x->insns = calloc(2 + 2 * KC * NT + 1, sizeof *x->insns);
    if (!x->data || !x->insns) return an_fail(AN_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; i < W; i++) x->data[i] = (uint8_t)((i * 7) % 255 - 127);
    x->input = (an_tensor){.h = 1, .w = 1, .c = (int32_t)A, .scale = 1.0f, .dram = W};
    x->output = (an_tensor){.h = 1, .w = 1, .c = 16, .scale = 1.0f, .dram = W};
    an_isa_insn d[2 + 2 * 12 * 3 + 1];
    int n = 0;
    d[n] = dma(AN_BUF_WGT, 0, 0, W), d[n++].dep = AN_DEP_PUSH_NEXT;
    d[n] = dma(AN_BUF_ACT, 0, W, (int64_t)KC * R), d[n].ysize = T; /* one im2col row each */
    d[n++].dep = AN_DEP_PUSH_NEXT;
    for (int t = 0; t < NT; t++)
        for (int k = 0; k < KC; k++) {
            d[n++] = (an_isa_insn){.op = AN_ISA_PRELOAD,
                                   .dep = t == 0 && k == 0 ? AN_DEP_POP_PREV : 0,
                                   .wgt = (t * KC + k) * R};
            d[n++] = (an_isa_insn){.op = AN_ISA_GEMM,
                                   .dep = t == 0 && k == 0 ? AN_DEP_POP_PREV : 0,
                                   .accumulate = k > 0,
                                   .acc = 0,
                                   .act = k,
                                   .n_outer = 1,
                                   .n_inner = T,
                                   .acc_inner = 1,
                                   .act_inner = KC};
        }
    d[n++] = (an_isa_insn){.op = AN_ISA_FINISH};
    for (int i = 0; i < n && !s; i++) s = an_isa_encode(&d[i], &x->insns[i]);
    x->n_insns = n;
    return s;
}

static an_status bench(const an_npu_exe *x, int reps) {
    const int64_t ni = (int64_t)x->batch * x->input.h * x->input.w * x->input.c;
    const int64_t no = (int64_t)x->batch * x->output.h * x->output.w * x->output.c;
    int8_t *in = malloc((size_t)ni), *out = malloc((size_t)no);
    an_npu_sim *s = NULL;
    an_status st = in && out ? AN_OK : an_fail(AN_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; in && i < ni; i++) in[i] = (int8_t)(i * 13 % 251 - 125);
    if (!st) st = an_npu_sim_create(&s, x);
    if (!st) st = an_npu_sim_timing(s, 0);
    double t0 = an_now();
    for (int r = 0; r < reps && !st; r++) st = an_npu_sim_run(s, in, out);
    const double dt = an_now() - t0;
    an_profile p;
    if (!st && !(st = an_npu_sim_profile(s, &p))) {
        const double macs = (double)p.total.pe_slots, useful = (double)p.total.macs;
        printf("%-16s %dx%d batch %2d: %11lld cycles, %13.0f array MACs (%.0f useful) per run, "
               "%.4f s per run, %.3g simulated MAC/s (%.3g useful), %.0fx SCALE-Sim's 6e6\n",
               x->source, x->cfg.rows, x->cfg.cols, x->batch, (long long)p.cycles, macs, useful,
               dt / reps, macs * reps / dt, useful * reps / dt, macs * reps / dt / 6e6);
        an_profile_free(&p);
    }
    an_npu_sim_free(s);
    free(in);
    free(out);
    return st;
}

int main(int argc, char **argv) {
    an_npu_exe a;
    an_status s = alexnet(&a);
    if (!s) s = bench(&a, 3);
    an_npu_exe_free(&a);
    if (!s && argc > 1) {
        an_npu_exe x;
        if (!(s = an_npu_load(argv[1], &x))) s = bench(&x, 5);
        an_npu_exe_free(&x);
    }
    if (s) fprintf(stderr, "sim_bench: %s\n", an_errmsg());
    return s ? 1 : 0;
}
