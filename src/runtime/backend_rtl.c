/*
** The rtl backend: the executable on the Verilated RTL (src/hw), one
** batch per run on a fresh DRAM image (the executable's data, then the
** input written as the host writes it). A trace asked for in the options
** covers the first run only. Counters: the run's cycles and instructions.
*/
#include "backend_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct rtl_impl {
    uint8_t *dram; /* [x.dram_size] */
    an_hw_rtl_result last;
    int runs;
} rtl_impl;

/* The model is built for one chip and runs programs without host operators. */
static an_status rtl_supports(const an_npu_exe *x) {
    const char *built = NULL;
    if (!an_hw_rtl_available(&x->cfg, &built) && !*built)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "the rtl backend is not in this build (Verilator was not found by CMake)");
    if (!an_hw_rtl_available(&x->cfg, &built))
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: compiled for chip %s, but the rtl backend was built for chip %s "
                       "(compile with --chip %s, or rebuild with -DASICNN_RTL_CHIP=...)",
                       x->source, x->cfg.name, built, built);
    if (x->n_host)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: %d host operator(s): the rtl backend runs programs without host "
                       "operators only",
                       x->source, x->n_host);
    return AN_OK;
}

static an_status rtl_load(an_backend *b) {
    rtl_impl *m = calloc(1, sizeof *m);
    b->impl = m;
    if (!m) return an_fail(AN_ERR_NOMEM, "out of memory for the rtl backend");
    return an_alloc_array((void **)&m->dram, 1, (size_t)b->x->dram_size, "DRAM");
}

static an_status rtl_run(an_backend *b, const int8_t *in) {
    rtl_impl *m = b->impl;
    const an_npu_exe *x = b->x;
    memset(m->dram, 0, (size_t)x->dram_size);
    memcpy(m->dram, x->data, (size_t)x->data_size);
    an_npu_write_input(x, in, m->dram);
    const an_hw_vcd *vcd = m->runs++ == 0 ? b->opts.vcd : NULL;
    an_status s = an_hw_rtl_run(x, m->dram, vcd, &m->last);
    if (!s && m->runs == 1 && b->opts.rtl_first) *b->opts.rtl_first = m->last;
    return s;
}

static void rtl_output(const an_backend *b, int8_t *out) {
    const rtl_impl *m = b->impl;
    const an_tensor *o = &b->x->output;
    memcpy(out, m->dram + o->dram, (size_t)b->x->batch * o->h * o->w * o->c);
}

static const uint8_t *rtl_dram(const an_backend *b) {
    const rtl_impl *m = b->impl;
    return m->dram;
}

static an_status rtl_counters(const an_backend *b, an_profile *p) {
    const rtl_impl *m = b->impl;
    p->cfg = b->x->cfg;
    p->batch = b->x->batch;
    p->cycles = m->last.cycles;
    p->total.insns = m->last.insns;
    p->total.cycles = m->last.cycles;
    return AN_OK;
}

static void rtl_close(an_backend *b) {
    rtl_impl *m = b->impl;
    if (!m) return;
    free(m->dram);
    free(m);
}

const rt_backend_iface rt_backend_rtl = {.name = "rtl",
                                         .supports = rtl_supports,
                                         .load = rtl_load,
                                         .run = rtl_run,
                                         .output = rtl_output,
                                         .dram = rtl_dram,
                                         .counters = rtl_counters,
                                         .close = rtl_close};
