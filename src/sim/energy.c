/*
** The energy model (docs/energy.md): per-action energies from Horowitz,
** ISSCC 2014 (45 nm, 0.9 V) and per-bit DRAM energies, scaled linearly
** with the feature size to the chip's node (DRAM is off chip and not
** scaled), times the counters; plus leakage power times time.
*/
#include "sim/sim_internal.h"

#include <math.h>

/* Horowitz 2014, 45 nm */
#define H_MUL8   0.2   /* 8-bit integer multiply */
#define H_ADD32  0.1   /* 32-bit integer add */
#define H_MUL32  3.1   /* 32-bit integer multiply */
#define H_SRAM8K 10.0  /* 64-bit read, 8 KB SRAM */
#define H_SRAM32 20.0  /* 32 KB */
#define H_SRAM1M 100.0 /* 1 MB */
/* leakage assumption at 45 nm (not from Horowitz): per KiB of SRAM and per PE */
#define LEAK_MW_PER_KIB 0.005
#define LEAK_MW_PER_PE  0.002

/* Piecewise linear in log2(size) through the three published points,
** extrapolated with the end slopes, never below 1 pJ. */
double an_energy_sram64_45nm(int64_t bytes) {
    const double l = log2((double)(bytes > 1 ? bytes : 1));
    double e;
    if (l <= 15.0)
        e = H_SRAM8K + (l - 13.0) * (H_SRAM32 - H_SRAM8K) / 2.0;
    else
        e = H_SRAM32 + (l - 15.0) * (H_SRAM1M - H_SRAM32) / 5.0;
    return e < 1.0 ? 1.0 : e;
}

an_energy_params an_energy_for(const an_npu_config *c, an_dram_kind dram) {
    static const double DRAM_PJ_BIT[] = {8.0, 70.0, 3.9}; /* LPDDR4, DDR3, HBM2 */
    const double k = c->tech_nm / 45.0;
    an_energy_params e;
    e.mac_pj = (H_MUL8 + H_ADD32) * k;
    e.act_pj_per_byte = an_energy_sram64_45nm(c->act_bytes) / 8.0 * k;
    e.wgt_pj_per_byte = an_energy_sram64_45nm(c->wgt_bytes) / 8.0 * k;
    e.acc_pj_per_byte = an_energy_sram64_45nm(c->acc_bytes) / 8.0 * k;
    e.vec_add_pj = H_ADD32 * k;
    e.vec_mul_pj = (H_MUL32 + H_ADD32) * k;
    e.dram_pj_per_bit = DRAM_PJ_BIT[dram];
    const double kib = (double)(c->act_bytes + c->wgt_bytes + c->acc_bytes) / 1024.0;
    e.leak_mw = (kib * LEAK_MW_PER_KIB + (double)c->rows * c->cols * LEAK_MW_PER_PE) * k;
    return e;
}

static void dynamic(an_perf *p, const an_energy_params *e) {
    p->energy_pj[AN_E_MAC] = (double)p->macs * e->mac_pj;
    p->energy_pj[AN_E_ACT] = (double)(p->rd[AN_MEM_ACT] + p->wr[AN_MEM_ACT]) * e->act_pj_per_byte;
    p->energy_pj[AN_E_WGT] = (double)(p->rd[AN_MEM_WGT] + p->wr[AN_MEM_WGT]) * e->wgt_pj_per_byte;
    p->energy_pj[AN_E_ACC] = (double)(p->rd[AN_MEM_ACC] + p->wr[AN_MEM_ACC]) * e->acc_pj_per_byte;
    p->energy_pj[AN_E_VEC] =
        (double)p->vec_lane_ops * e->vec_add_pj + (double)p->vec_mul_ops * e->vec_mul_pj;
    p->energy_pj[AN_E_DRAM] = (double)p->dram_bus * 8.0 * e->dram_pj_per_bit;
    p->energy_pj[AN_E_LEAK] = 0;
}

/* mW x cycles / MHz = nJ */
static double leak(const an_energy_params *e, const an_npu_config *c, int64_t cycles) {
    return e->leak_mw * (double)cycles / c->clock_mhz * 1e3;
}

void an_profile_energy(an_profile *p, const an_energy_params *e) {
    for (int k = 0; k < AN_PC_COUNT; k++) dynamic(&p->cls[k], e);
    for (int l = 0; l <= p->n_layers; l++) {
        dynamic(&p->layer[l], e);
        p->layer[l].energy_pj[AN_E_LEAK] = leak(e, &p->cfg, p->layer[l].cycles);
    }
    dynamic(&p->total, e);
    /* the total is the sum of the layers' parts (the layers partition time) */
    for (int k = 0; k < AN_E_COUNT; k++) {
        double sum = 0;
        for (int l = 0; l <= p->n_layers; l++) sum += p->layer[l].energy_pj[k];
        p->total.energy_pj[k] = sum;
    }
}
