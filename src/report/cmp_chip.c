/*
** The hardware rows of the comparison: the int8 graph compiled for a chip
** configuration and profiled on the simulator (modelled cycles, docs/
** timing.md; energy from docs/energy.md).
**
** Every ASIC row is at one process node. With a synthesis report for the
** array (OSU 0.18 um, docs/hw.md) there are two rows: one at the report's
** node (its STA Fmax and area, the energy model scaled to that node by
** docs/energy.md's rule) and one at the config's node, the report's
** figures scaled by the classical rule (delay ~ node, so the clock is the
** STA Fmax x report node / config node; area ~ node^2; Dennard et al.,
** IEEE JSSC 1974), an estimate. The config's clock_mhz is used only when
** there is no report for this array, and the row says so; then the row is
** the config's clock, the area model and the energy model, all at the
** config's node.
**
** The FPGA row is the pynq-8x16 design (configs/pynq-8x16.json), which
** fits the XC7Z020's 220 DSP48E1, at the config's 100 MHz (lowered to the
** report's Fmax when slower); a synthesis report is used only when it is
** for that design.
*/
#include "report_internal.h"

#include <string.h>

/* Cycles and energy (pJ) of one run of g on cfg at batch B. */
static an_status profile(const an_q_graph *g, const an_npu_config *cfg, int B, int64_t *cycles,
                         double *energy_pj) {
    an_profile pr;
    an_status s = rp_chip_profile(g, cfg, B, &pr);
    if (!s) {
        *cycles = pr.cycles;
        *energy_pj = an_perf_energy(&pr.total);
        an_profile_free(&pr);
    }
    return s;
}

/* Cycles at batch 1 and B, energy per image (pJ) at batch 1. */
typedef struct run {
    int64_t c1, cb;
    double e1;
} run;

static an_status run_chip(const an_q_graph *g, const an_npu_config *cfg, int B, run *r) {
    double eb = 0;
    an_status s = profile(g, cfg, 1, &r->c1, &r->e1);
    if (!s) s = profile(g, cfg, B, &r->cb, &eb);
    return s;
}

/* Clock, latency, throughput and the source line of a hardware row. */
static void finish(an_cmp_row *r, const an_npu_config *cfg, const run *x, int B, double mhz,
                   const char *clk, const char *energy, const char *area) {
    r->measured = 0;
    r->batch = B;
    r->clock_mhz = mhz;
    r->latency_us = (double)x->c1 / mhz;
    r->throughput = (double)B / ((double)x->cb / mhz) * 1e6;
    snprintf(r->source, sizeof r->source,
             "simulator cycles (%lld at batch 1, %lld at batch %d; %dx%d, %.1f B/cycle DRAM); "
             "%s; %s; %s",
             (long long)x->c1, (long long)x->cb, B, cfg->rows, cfg->cols, cfg->dram_bytes_per_cycle,
             clk, energy, area);
}

static void energy_src(char *buf, size_t n, int nm) {
    snprintf(buf, n,
             "energy: per-action model at %d nm (45 nm figures scaled linearly with the node), "
             "LPDDR4 8 pJ/bit (docs/energy.md)",
             nm);
}

an_status an_cmp_asic(const an_q_graph *g, const an_npu_config *cfg, const an_cmp_opts *o,
                      an_cmp_row *r, int *n) {
    an_synth sy;
    an_status s = an_synth_load(o->synth_dir, &sy);
    if (s) return s;
    run x;
    if ((s = run_chip(g, cfg, o->batch, &x))) return s;
    const int nm = cfg->tech_nm;
    char clk[400], area[480], energy[200];
    /* a report for another array says nothing about this one */
    const int same = sy.asic_rows <= 0 || (sy.asic_rows == cfg->rows && sy.asic_cols == cfg->cols);
    const int use = sy.have_asic && same && sy.asic_fmax_mhz > 0 && sy.asic_area_mm2 > 0;
    if (!use) {
        *n = 1;
        memset(r, 0, sizeof *r);
        snprintf(r->target, sizeof r->target, "ASIC %.24s %dnm", cfg->name, nm);
        snprintf(clk, sizeof clk,
                 "clock %.0f MHz from the %s config (%d nm): %s, so no signed-off clock "
                 "(asicnn synth --chip %s --target asic -o %.100s)",
                 cfg->clock_mhz, cfg->name, nm,
                 !sy.have_asic ? "no synthesis report"
                 : !same       ? "the synthesis report is for another array"
                               : "the synthesis report has no Fmax or area",
                 cfg->name, sy.asic_path);
        const an_area_model am = an_area_default(&sy);
        r->area_mm2 = an_area_mm2(&am, cfg);
        snprintf(area, sizeof area, "area modelled at %d nm (%s)%s", nm, am.source,
                 sy.have_asic && !same ? "; the synthesis report is for another array" : "");
        r->energy_uj = x.e1 / 1e6;
        energy_src(energy, sizeof energy, nm);
        snprintf(r->extra, sizeof r->extra, "%dx%d array, %d nm", cfg->rows, cfg->cols, nm);
        finish(r, cfg, &x, o->batch, cfg->clock_mhz, clk, energy, area);
        return AN_OK;
    }
    /* row 1: everything at the report's node */
    *n = 2;
    const int snm = sy.asic_nm;
    an_npu_config at = *cfg;
    at.tech_nm = snm;
    run xs;
    if ((s = run_chip(g, &at, o->batch, &xs))) return s;
    memset(r, 0, 2 * sizeof *r);
    snprintf(r->target, sizeof r->target, "ASIC %.24s %dnm", cfg->name, snm);
    snprintf(clk, sizeof clk, "clock %.0f MHz = STA Fmax from %.200s (%d nm)", sy.asic_fmax_mhz,
             sy.asic_path, snm);
    r->area_mm2 = sy.asic_area_mm2;
    snprintf(area, sizeof area, "area from %.200s (%d nm)", sy.asic_path, snm);
    r->energy_uj = xs.e1 / 1e6;
    energy_src(energy, sizeof energy, snm);
    snprintf(r->extra, sizeof r->extra, "%dx%d array, %d nm synthesized", cfg->rows, cfg->cols,
             snm);
    finish(r, cfg, &xs, o->batch, sy.asic_fmax_mhz, clk, energy, area);
    /* row 2: the report's clock and area scaled to the config's node */
    an_cmp_row *q = r + 1;
    const double k = (double)nm / snm, mhz = sy.asic_fmax_mhz / k;
    snprintf(q->target, sizeof q->target, "ASIC %.24s %dnm", cfg->name, nm);
    snprintf(clk, sizeof clk,
             "clock %.0f MHz = STA Fmax %.1f MHz x %d/%d (scaling estimate: gate delay ~ "
             "feature size, Dennard 1974; the %s config's %.0f MHz is not used)",
             mhz, sy.asic_fmax_mhz, snm, nm, cfg->name, cfg->clock_mhz);
    q->area_mm2 = sy.asic_area_mm2 * k * k;
    snprintf(area, sizeof area,
             "area %.3f mm^2 x (%d/%d)^2 from %.200s (scaling estimate: area ~ node^2)",
             sy.asic_area_mm2, nm, snm, sy.asic_path);
    q->energy_uj = x.e1 / 1e6;
    energy_src(energy, sizeof energy, nm);
    snprintf(q->extra, sizeof q->extra, "%dx%d array, %d nm scaled from %d nm", cfg->rows,
             cfg->cols, nm, snm);
    finish(q, cfg, &x, o->batch, mhz, clk, energy, area);
    return AN_OK;
}

an_status an_cmp_fpga_config(const char *name, an_npu_config *c) {
    if (name) return an_npu_config_get(name, c);
    /* configs/pynq-8x16.json: vta-pynq's buffers, DRAM port and 100 MHz
       clock with an 8x16 array, so that the PEs' 128 DSP48E1 and the rest's
       68 fit in the XC7Z020's 220 (docs/hw.md) */
    an_status s = an_npu_config_get("vta-pynq", c);
    if (s) return s;
    snprintf(c->name, sizeof c->name, "pynq-8x16");
    c->rows = 8;
    c->cols = 16;
    return an_npu_config_validate(c, "pynq-8x16");
}

an_status an_cmp_fpga(const an_q_graph *g, const an_npu_config *cfg, const an_cmp_opts *o,
                      an_cmp_row *r) {
    an_synth sy;
    an_status s = an_synth_load(o->synth_dir, &sy);
    if (s) return s;
    run x;
    if ((s = run_chip(g, cfg, o->batch, &x))) return s;
    memset(r, 0, sizeof *r);
    snprintf(r->target, sizeof r->target, "FPGA xc7z020");
    const int same =
        (!sy.fpga_chip[0] || strcmp(sy.fpga_chip, cfg->name) == 0) &&
        (sy.fpga_rows <= 0 || (sy.fpga_rows == cfg->rows && sy.fpga_cols == cfg->cols));
    const int use = sy.have_fpga && same;
    double mhz = cfg->clock_mhz;
    char clk[300], area[480], energy[160];
    if (use && sy.fpga_fmax_mhz > 0 && sy.fpga_fmax_mhz < mhz) {
        mhz = sy.fpga_fmax_mhz;
        snprintf(clk, sizeof clk, "clock %.0f MHz = Fmax from %.200s", mhz, sy.fpga_path);
    } else {
        snprintf(clk, sizeof clk, "clock %.0f MHz (%s config; VTA's on PYNQ-Z1)", mhz, cfg->name);
    }
    /* 2 W programmable-logic + DDR power: an estimate, no board measured */
    r->energy_uj = 2.0 * (double)x.c1 / mhz;
    snprintf(energy, sizeof energy, "energy = 2 W PL+DDR power (estimate) x latency");
    r->area_mm2 = -1;
    if (use) {
        const int fits = sy.fpga_lut <= AN_Z7020_LUT && sy.fpga_dsp <= AN_Z7020_DSP &&
                         sy.fpga_bram <= AN_Z7020_BRAM && sy.fpga_ff <= AN_Z7020_FF;
        snprintf(r->extra, sizeof r->extra, "%.20s LUT %lld/%d DSP %lld/%d BRAM36 %lld/%d%s",
                 cfg->name, (long long)sy.fpga_lut, AN_Z7020_LUT, (long long)sy.fpga_dsp,
                 AN_Z7020_DSP, (long long)sy.fpga_bram, AN_Z7020_BRAM,
                 fits ? " fits" : " DOES NOT FIT");
        snprintf(area, sizeof area, "resources from %.200s", sy.fpga_path);
    } else {
        /* one DSP48E1 per PE plus 4 per requantization lane and 4 for the
           pooling address multipliers (npu16's measured breakdown, docs/hw.md) */
        const int64_t kib = (cfg->act_bytes + cfg->wgt_bytes + cfg->acc_bytes) / 1024;
        const int64_t dsp = (int64_t)cfg->rows * cfg->cols + 4 * (int64_t)cfg->vec_lanes + 4;
        const int64_t bram = (kib * 1024 * 8 + 36863) / 36864;
        const int fits = dsp <= AN_Z7020_DSP && bram <= AN_Z7020_BRAM;
        snprintf(r->extra, sizeof r->extra, "%.20s est. DSP %lld/%d BRAM36 %lld/%d%s", cfg->name,
                 (long long)dsp, AN_Z7020_DSP, (long long)bram, AN_Z7020_BRAM,
                 fits ? " fits" : " DOES NOT FIT");
        snprintf(area, sizeof area,
                 "resources estimated (%s): 1 DSP48E1 per PE + 4 per requantization lane + 4, "
                 "buffers in BRAM36",
                 sy.have_fpga ? "the synthesis report is for another design" : "no synth report");
    }
    finish(r, cfg, &x, o->batch, mhz, clk, energy, area);
    return AN_OK;
}
