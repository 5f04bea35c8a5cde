/*
** Profiles: turning timing on for an executor, copying the counters of
** its last run, one-shot profiling of an executable, and the figures
** derived from a counter set (utilisation, mapping efficiency, roofline).
*/
#include "sim/sim_internal.h"

#include <stdlib.h>
#include <string.h>

void an_profile_free(an_profile *p) {
    if (!p) return;
    free(p->layer);
    p->layer = NULL;
}

an_status an_npu_sim_profile(const an_npu_sim *s, an_profile *p) {
    const npu_timing *t = npu_sim_timing(s);
    if (!t) return an_fail(AN_ERR_USAGE, "%s: timing is off", npu_sim_exe(s)->source);
    return npu_timing_profile(t, npu_sim_exe(s), p);
}

an_status npu_timing_profile(const npu_timing *t, const an_npu_exe *x, an_profile *p) {
    const int L = x->n_layers;
    memset(p, 0, sizeof *p);
    int64_t *owned = malloc(sizeof *owned * ((size_t)L + 1)); /* [L + 1] */
    if (!owned || !(p->layer = calloc((size_t)L + 1, sizeof *p->layer))) {
        free(owned);
        return an_fail(AN_ERR_NOMEM, "out of memory for the profile");
    }
    const an_perf *total, *cls, *lay;
    p->cfg = x->cfg;
    p->batch = x->batch;
    p->n_layers = L;
    p->cycles = npu_timing_sums(t, &total, &cls, &lay, owned);
    p->total = *total;
    p->total.cycles = p->cycles;
    for (int c = 0; c < AN_PC_COUNT; c++) p->cls[c] = cls[c], p->cls[c].cycles = cls[c].busy;
    for (int l = 0; l <= L; l++) p->layer[l] = lay[l], p->layer[l].cycles = owned[l];
    free(owned);
    return AN_OK;
}

double an_perf_util(const an_perf *p, const an_npu_config *c, int64_t cycles) {
    return cycles ? (double)p->macs / ((double)cycles * c->rows * c->cols) : 0.0;
}

double an_perf_mapping(const an_perf *p) {
    return p->pe_slots ? (double)p->macs / (double)p->pe_slots : 0.0;
}

double an_perf_energy(const an_perf *p) {
    double e = 0;
    for (int k = 0; k < AN_E_COUNT; k++) e += p->energy_pj[k];
    return e;
}

void an_perf_roofline(const an_perf *p, const an_npu_config *c, int64_t cycles, double *intensity,
                      double *attained, double *roof) {
    const double ops = 2.0 * (double)p->macs, bytes = (double)p->dram_bus;
    *intensity = bytes > 0 ? ops / bytes : 0.0;
    *attained = cycles ? ops / (double)cycles : 0.0;
    const double peak = 2.0 * c->rows * c->cols, bw = *intensity * c->dram_bytes_per_cycle;
    *roof = bytes > 0 && bw < peak ? bw : peak;
}

an_status an_npu_profile_run(const an_npu_exe *x, const an_energy_params *e, const char *trace_path,
                             an_profile *p) {
    memset(p, 0, sizeof *p);
    const int64_t ni = (int64_t)x->batch * x->input.h * x->input.w * x->input.c;
    const int64_t no = (int64_t)x->batch * x->output.h * x->output.w * x->output.c;
    int8_t *in = malloc((size_t)ni), *out = malloc((size_t)no);
    an_npu_sim *s = NULL;
    an_status st = in && out ? AN_OK : an_fail(AN_ERR_NOMEM, "out of memory for the input");
    if (!st) memset(in, (int8_t)x->input.zero_point, (size_t)ni);
    if (!st) st = an_npu_sim_create(&s, x);
    if (!st) st = an_npu_sim_timing(s, trace_path != NULL);
    if (!st) st = an_npu_sim_run(s, in, out);
    if (!st) st = an_npu_sim_profile(s, p);
    if (!st && trace_path) st = an_trace_write(s, trace_path);
    if (!st) {
        const an_energy_params def = an_energy_for(&x->cfg, AN_DRAM_LPDDR4);
        an_profile_energy(p, e ? e : &def);
    }
    an_npu_sim_free(s);
    free(in);
    free(out);
    if (st) an_profile_free(p);
    return st;
}
