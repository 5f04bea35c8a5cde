/*
** The sim backend: the executable on the functional simulator with its
** timing model on, so that every run leaves the whole profile (cycles,
** counters per class and layer, energy: the load's or LPDDR4 defaults)
** and, when the load asks for it, a trace of every instruction.
*/
#include "backend_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct sim_impl {
    an_npu_sim *sim;
    int8_t *out; /* [batch, output size] */
    size_t n_out;
} sim_impl;

/* The simulator runs every valid executable. */
static an_status sim_supports(const an_npu_exe *x) {
    return AN_OK;
}

static an_status sim_load(an_backend *b) {
    const an_tensor *o = &b->x->output;
    sim_impl *m = calloc(1, sizeof *m);
    b->impl = m;
    if (!m) return an_fail(AN_ERR_NOMEM, "out of memory for the simulator");
    m->n_out = (size_t)b->x->batch * o->h * o->w * o->c;
    an_status s = an_alloc_array((void **)&m->out, m->n_out, 1, "int8 output");
    if (!s) s = an_npu_sim_create(&m->sim, b->x);
    return s ? s : an_npu_sim_timing(m->sim, b->opts.trace);
}

static an_status sim_run(an_backend *b, const int8_t *in) {
    sim_impl *m = b->impl;
    return an_npu_sim_run(m->sim, in, m->out);
}

static void sim_output(const an_backend *b, int8_t *out) {
    const sim_impl *m = b->impl;
    memcpy(out, m->out, m->n_out);
}

static const uint8_t *sim_dram(const an_backend *b) {
    const sim_impl *m = b->impl;
    return an_npu_sim_dram(m->sim);
}

static an_status sim_counters(const an_backend *b, an_profile *p) {
    const sim_impl *m = b->impl;
    an_status s = an_npu_sim_profile(m->sim, p);
    if (!s) {
        const an_energy_params def = an_energy_for(&b->x->cfg, AN_DRAM_LPDDR4);
        an_profile_energy(p, b->opts.energy ? b->opts.energy : &def);
    }
    return s;
}

static an_status sim_trace(const an_backend *b, const char *path) {
    const sim_impl *m = b->impl;
    return an_trace_write(m->sim, path);
}

static void sim_close(an_backend *b) {
    sim_impl *m = b->impl;
    if (!m) return;
    an_npu_sim_free(m->sim);
    free(m->out);
    free(m);
}

const rt_backend_iface rt_backend_sim = {.name = "sim",
                                         .caps = AN_BACKEND_CAP_PROFILE,
                                         .supports = sim_supports,
                                         .load = sim_load,
                                         .run = sim_run,
                                         .output = sim_output,
                                         .dram = sim_dram,
                                         .counters = sim_counters,
                                         .trace = sim_trace,
                                         .close = sim_close};
