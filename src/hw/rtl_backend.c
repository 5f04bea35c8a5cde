/*
** The rtl backend: an executable on the Verilated RTL (hw/rtl through the
** harness in hw/tb), with the executable's DRAM image. The model is built
** for one chip configuration (CMake's ASICNN_RTL_CHIP); an executable for
** another chip is refused with a message naming both. Without Verilator at
** build time every call fails with AN_ERR_UNSUPPORTED.
*/
#include "asicnn/hw.h"
#include "asicnn/sim.h"

#include <stdlib.h>
#include <string.h>

#ifdef ASICNN_HAVE_RTL
#include "an_rtl_shim.h"

/* Whether c is the chip the model was built for (its vector unit has a lane
** per column). */
static int same_chip(const an_npu_config *c, const an_rtl_chip *m) {
    const an_npu_config built = {.rows = m->rows,
                                 .cols = m->cols,
                                 .act_bytes = m->act_bytes,
                                 .wgt_bytes = m->wgt_bytes,
                                 .acc_bytes = m->acc_bytes,
                                 .vec_lanes = m->cols,
                                 .dram_bytes_per_cycle = m->dram_bpc,
                                 .dram_latency = m->dram_latency,
                                 .dram_burst = m->dram_burst,
                                 .insn_depth = m->insn_depth,
                                 .token_depth = m->token_depth};
    return an_npu_config_same_chip(c, &built);
}

int an_hw_rtl_available(const an_npu_config *c, const char **names) {
    const an_rtl_chip *m = an_rtl_shim_chip();
    if (names) *names = m->name;
    return same_chip(c, m);
}

/* The run's length from the timing model (the RTL must match it), for the
** trace's estimate; a window past it is an error. */
static an_status vcd_cycles(const an_npu_exe *x, const an_hw_vcd *v, int64_t *cycles) {
    an_profile pr;
    an_status s = an_npu_profile_run(x, NULL, NULL, &pr);
    if (s) return s;
    *cycles = pr.cycles;
    an_profile_free(&pr);
    if (v->from >= *cycles)
        return an_fail(AN_ERR_RANGE,
                       "%s: the trace window starts at cycle %lld, but the run "
                       "takes %lld cycles",
                       v->path, (long long)v->from, (long long)*cycles);
    return AN_OK;
}

an_status an_hw_rtl_run(const an_npu_exe *x, uint8_t *dram, const an_hw_vcd *vcd,
                        an_hw_rtl_result *r) {
    *r = (an_hw_rtl_result){0};
    const an_rtl_chip *m = an_rtl_shim_chip();
    if (!same_chip(&x->cfg, m))
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: compiled for chip %s, but the rtl backend was built for chip %s "
                       "(compile with --chip %s, or rebuild with -DASICNN_RTL_CHIP=...)",
                       x->source, x->cfg.name, m->name, m->name);
    if (x->n_host)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: %d host operator(s): the rtl backend runs programs without host "
                       "operators only",
                       x->source, x->n_host);
    int64_t expect = 0;
    an_status s = vcd ? vcd_cycles(x, vcd, &expect) : AN_OK;
    if (s) return s;
    uint8_t *insns = malloc((size_t)x->n_insns * AN_ISA_BYTES + 1);
    if (!insns) return an_fail(AN_ERR_NOMEM, "out of memory for the instruction stream");
    for (int64_t i = 0; i < x->n_insns; i++)
        an_isa_to_bytes(&x->insns[i], insns + i * AN_ISA_BYTES);
    an_rtl_job job = {.insns = insns,
                      .n_insns = x->n_insns,
                      .dram = dram,
                      .dram_size = x->dram_size,
                      .vcd = vcd ? vcd->path : NULL,
                      .vcd_from = vcd ? vcd->from : 0,
                      .vcd_to = vcd ? vcd->to : 0,
                      .vcd_max = vcd ? vcd->max_bytes : 0,
                      .expect_cycles = expect,
                      .max_cycles = INT64_C(1) << 40};
    const double t0 = an_now();
    const int rc = an_rtl_shim_run(&job);
    r->seconds = an_now() - t0;
    free(insns);
    r->cycles = job.cycles;
    r->insns = job.insns_done;
    r->vcd_bytes = job.vcd_bytes;
    r->vcd_first = job.vcd_first;
    r->vcd_last = job.vcd_last;
    if (rc && job.vcd_over) return an_fail(AN_ERR_RANGE, "%s", job.err);
    if (rc) return an_fail(AN_ERR_INTERNAL, "%s: rtl: %s", x->source, job.err);
    return AN_OK;
}

#else

int an_hw_rtl_available(const an_npu_config *c, const char **names) {
    if (names) *names = "";
    return 0;
}

an_status an_hw_rtl_run(const an_npu_exe *x, uint8_t *dram, const an_hw_vcd *vcd,
                        an_hw_rtl_result *r) {
    *r = (an_hw_rtl_result){0};
    return an_fail(AN_ERR_UNSUPPORTED,
                   "the rtl backend is not in this build (Verilator was not found by CMake)");
}

#endif

an_status an_hw_rtl_evaluate(const an_npu_exe *x, const an_dataset *raw, const an_hw_vcd *vcd,
                             an_hw_rtl_eval *r) {
    *r = (an_hw_rtl_eval){0};
    const int64_t F = (int64_t)x->input.h * x->input.w * x->input.c;
    const int64_t N = (int64_t)x->output.h * x->output.w * x->output.c;
    const int B = x->batch;
    if (raw->features != F || !raw->y)
        return an_fail(AN_ERR_FORMAT, "%s: needs labelled samples of %lld features", raw->name,
                       (long long)F);
    an_q_graph qin = {.input = {x->input.h, x->input.w, x->input.c, x->input.scale,
                                x->input.zero_point, x->n_affine, x->in_mul, x->in_add}};
    an_npu_sim *sim = NULL;
    int8_t *q = NULL, *out = NULL;
    uint8_t *dram = NULL;
    an_profile pr;
    an_status s = an_npu_profile_run(x, NULL, NULL, &pr);
    if (s) return s;
    r->model_cycles = pr.cycles;
    an_profile_free(&pr);
    s = an_npu_sim_create(&sim, x);
    if (!s) s = an_alloc_array((void **)&q, (size_t)B, (size_t)F, "int8 input");
    if (!s) s = an_alloc_array((void **)&out, (size_t)B, (size_t)N, "int8 output");
    if (!s) s = an_alloc_array((void **)&dram, 1, (size_t)x->dram_size, "DRAM");
    for (int64_t at = 0; !s && at < raw->n; at += B) {
        const int n = (int)(raw->n - at < B ? raw->n - at : B);
        an_q_quantize_input(&qin, raw->x + at * F, n, q);
        for (int b = n; b < B; b++) memcpy(q + (size_t)b * F, q, (size_t)F);
        double t0 = an_now();
        if ((s = an_npu_sim_run(sim, q, out))) break;
        r->sim_seconds += an_now() - t0;
        memset(dram, 0, (size_t)x->dram_size);
        memcpy(dram, x->data, (size_t)x->data_size);
        an_npu_write_input(x, q, dram);
        an_hw_rtl_result rr;
        if ((s = an_hw_rtl_run(x, dram, at == 0 ? vcd : NULL, &rr))) break;
        if (at == 0) r->first = rr;
        r->cycles += rr.cycles;
        r->rtl_seconds += rr.seconds;
        if (rr.cycles != r->model_cycles) {
            s = an_fail(AN_ERR_INTERNAL,
                        "%s: the RTL took %lld cycles for the batch at sample %lld, the timing "
                        "model %lld (docs/timing.md is the convention both must follow)",
                        x->source, (long long)rr.cycles, (long long)at, (long long)r->model_cycles);
            break;
        }
        const uint8_t *want = an_npu_sim_dram(sim);
        for (int64_t i = 0; i < x->dram_size; i++)
            if (dram[i] != want[i]) {
                s = an_fail(AN_ERR_INTERNAL,
                            "%s: RTL and simulator differ in the batch at sample %lld, DRAM "
                            "byte %lld: %d vs %d",
                            x->source, (long long)at, (long long)i, (int8_t)dram[i],
                            (int8_t)want[i]);
                break;
            }
        if (s) break;
        r->equal += n;
        const int8_t *logits = (const int8_t *)dram + x->output.dram;
        for (int b = 0; b < n; b++)
            r->correct += an_q_argmax(logits + (size_t)b * N, (int)N) == raw->y[at + b];
        r->n += n;
    }
    free(q);
    free(out);
    free(dram);
    an_npu_sim_free(sim);
    return s;
}
