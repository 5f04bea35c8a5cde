/*
** The rtl backend: an executable on the Verilated RTL (hw/rtl through the
** harness in hw/tb), with the executable's DRAM image. The model is built
** for one chip configuration (CMake's ASICNN_RTL_CHIP); an executable for
** another chip is refused with a message naming both. Without Verilator at
** build time every call fails with AN_ERR_UNSUPPORTED. The runtime's rtl
** backend (src/runtime) holds it against the simulator.
*/
#include "asicnn/hw.h"
#include "asicnn/sim.h"

#include <stdlib.h>

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
