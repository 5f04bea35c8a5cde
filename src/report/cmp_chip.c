/*
** The hardware rows of the comparison: the int8 graph compiled for a chip
** configuration and profiled on the simulator (modelled cycles, docs/
** timing.md; energy from docs/energy.md). The clock comes from the
** synthesis report's timing when there is one for this array, otherwise
** from the configuration; for the FPGA the configuration's clock (100 MHz,
** VTA on PYNQ-Z1) is lowered to the report's Fmax when that is slower.
*/
#include "asicnn/report.h"
#include "asicnn/runtime.h"

#include <string.h>

/* Cycles and energy (pJ) of one run of g on cfg at batch B. */
static an_status profile(const an_q_graph *g, const an_npu_config *cfg, int B, int64_t *cycles,
                         double *energy_pj, double *util) {
    an_npu_compile_opts co = an_npu_compile_defaults();
    co.batch = B;
    an_npu_exe x;
    an_status s = an_npu_compile(g, cfg, &co, NULL, 0, &x, NULL);
    if (s) return s;
    an_profile pr;
    const an_energy_params e = an_energy_for(cfg, AN_DRAM_LPDDR4);
    if (!(s = an_npu_profile_run(&x, &e, NULL, &pr))) {
        *cycles = pr.cycles;
        *energy_pj = an_perf_energy(&pr.total);
        if (util) *util = 100 * an_perf_util(&pr.total, cfg, pr.cycles);
        an_profile_free(&pr);
    }
    an_npu_exe_free(&x);
    return s;
}

an_status an_cmp_chip(const an_q_graph *g, const an_npu_config *cfg, const an_cmp_opts *o,
                      an_cmp_row *r) {
    an_synth sy;
    an_status s = an_synth_load(o->synth_dir, &sy);
    if (s) return s;
    const int fpga = o->fpga_chip && strcmp(cfg->name, o->fpga_chip) == 0;
    int64_t c1 = 0, cb = 0;
    double e1 = 0, eb = 0;
    if ((s = profile(g, cfg, 1, &c1, &e1, NULL))) return s;
    if ((s = profile(g, cfg, o->batch, &cb, &eb, NULL))) return s;
    double mhz = cfg->clock_mhz;
    char clk[300], area[480], energy[160];
    snprintf(clk, sizeof clk, "clock %.0f MHz from the %s config", mhz, cfg->name);
    r->measured = 0;
    r->batch = o->batch;
    r->area_mm2 = -1;
    if (!fpga) {
        snprintf(r->target, sizeof r->target, "ASIC %s", cfg->name);
        if (sy.have_asic && sy.asic_fmax_mhz > 0) {
            mhz = sy.asic_fmax_mhz;
            snprintf(clk, sizeof clk, "clock %.0f MHz = STA Fmax from %.200s", mhz, sy.asic_path);
        }
        const an_area_model am = an_area_default(&sy);
        if (sy.have_asic && sy.asic_area_mm2 > 0) {
            r->area_mm2 = sy.asic_area_mm2;
            snprintf(area, sizeof area, "area from %.200s", sy.asic_path);
        } else {
            r->area_mm2 = an_area_mm2(&am, cfg);
            snprintf(area, sizeof area, "area modelled (%s)", am.source);
        }
        r->energy_uj = e1 / 1e6;
        snprintf(energy, sizeof energy,
                 "energy: per-action model at %d nm, LPDDR4 8 pJ/bit (docs/energy.md)",
                 cfg->tech_nm);
        snprintf(r->extra, sizeof r->extra, "%dx%d array", cfg->rows, cfg->cols);
    } else {
        snprintf(r->target, sizeof r->target, "FPGA xc7z020");
        if (sy.have_fpga && sy.fpga_fmax_mhz > 0 && sy.fpga_fmax_mhz < mhz) {
            mhz = sy.fpga_fmax_mhz;
            snprintf(clk, sizeof clk, "clock %.0f MHz = Fmax from %.200s", mhz, sy.fpga_path);
        } else {
            snprintf(clk, sizeof clk, "clock %.0f MHz (VTA on PYNQ-Z1, %s config)", mhz, cfg->name);
        }
        /* 2 W programmable-logic + DDR power: an estimate, no board measured */
        r->energy_uj = 2.0 * (double)c1 / mhz;
        snprintf(energy, sizeof energy, "energy = 2 W PL+DDR power (estimate) x latency");
        if (sy.have_fpga) {
            const int fits = sy.fpga_lut <= AN_Z7020_LUT && sy.fpga_dsp <= AN_Z7020_DSP &&
                             sy.fpga_bram <= AN_Z7020_BRAM && sy.fpga_ff <= AN_Z7020_FF;
            snprintf(r->extra, sizeof r->extra, "LUT %lld/%d DSP %lld/%d BRAM36 %lld/%d%s",
                     (long long)sy.fpga_lut, AN_Z7020_LUT, (long long)sy.fpga_dsp, AN_Z7020_DSP,
                     (long long)sy.fpga_bram, AN_Z7020_BRAM, fits ? "" : " DOES NOT FIT");
            snprintf(area, sizeof area, "resources from %.200s", sy.fpga_path);
        } else {
            const int64_t kib = (cfg->act_bytes + cfg->wgt_bytes + cfg->acc_bytes) / 1024;
            const int64_t dsp = ((int64_t)cfg->rows * cfg->cols + 1) / 2;
            const int64_t bram = (kib * 1024 * 8 + 36863) / 36864;
            snprintf(r->extra, sizeof r->extra, "est. DSP %lld/%d BRAM36 %lld/%d", (long long)dsp,
                     AN_Z7020_DSP, (long long)bram, AN_Z7020_BRAM);
            snprintf(area, sizeof area,
                     "resources estimated (no synth report): 2 int8 MACs per DSP48E1, "
                     "buffers in BRAM36");
        }
    }
    r->clock_mhz = mhz;
    r->latency_us = (double)c1 / mhz;
    r->throughput = (double)o->batch / ((double)cb / mhz) * 1e6;
    snprintf(r->source, sizeof r->source,
             "simulator cycles (%lld at batch 1, %lld at batch %d; %dx%d, %.1f B/cycle DRAM); "
             "%s; %s; %s",
             (long long)c1, (long long)cb, o->batch, cfg->rows, cfg->cols,
             cfg->dram_bytes_per_cycle, clk, energy, area);
    return AN_OK;
}
