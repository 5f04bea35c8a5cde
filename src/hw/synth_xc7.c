/*
** The XC7Z020 flow (docs/hw.md): Yosys synth_xilinx (hw/synth/xc7.ys) and
** the resources against the part's 53,200 LUT / 106,400 FF / 220 DSP48E1 /
** 140 BRAM36, with the fit verdict; the buffers' block RAMs are modelled.
**
** Contract: returns an_status naming the tool and its log; never prints.
*/
#include "hw_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

an_status hw_xc7(const an_npu_config *c, const an_hw_synth_opts *o, const char *gen, int tmo,
                 cJSON *j) {
    char ys[HW_PATHN], tpl[HW_PATHN], log[HW_PATHN], tmp[HW_PATHN];
    const hw_subst sub[] = {{"RTL", o->rtl_dir},
                            {"GEN", gen},
                            {"OUT", o->out_dir},
                            {"NODSP", o->nodsp ? "-nodsp" : ""}};
    an_status s;
    hw_path(tpl, o->synth_dir, "xc7.ys");
    hw_path(ys, o->out_dir, "xc7.ys");
    if ((s = hw_fill(tpl, ys, sub, 4))) return s;
    double t = 0;
    hw_path(log, o->out_dir, "yosys.log");
    char *argv[] = {"yosys", "-q", "-s", ys, NULL};
    if ((s = hw_run_tool(argv, log, tmo, &t))) return s;
    char *st = NULL;
    hw_path(tmp, o->out_dir, "stat.txt");
    if ((s = hw_read_text(tmp, &st))) return s;
    const char *top = strstr(st, "design hierarchy") ? "design hierarchy" : "=== an_npu ===";
    const long lut = hw_sum_cells(st, top, "LUT") + hw_sum_cells(st, top, "SRL"),
               ff = hw_sum_cells(st, top, "FD"), dsp = hw_sum_cells(st, top, "DSP48E1"),
               r36 = hw_sum_cells(st, top, "RAMB36"), r18 = hw_sum_cells(st, top, "RAMB18"),
               carry = hw_sum_cells(st, top, "CARRY4"),
               lutram = hw_sum_cells(st, top, "RAM") - r36 - r18;
    free(st);
    if (lut + ff <= 0) return an_fail(AN_ERR_FORMAT, "%s: no LUT or FF counts", tmp);
    double sram_um2, sram_mw, bram_model;
    cJSON *sram = hw_sram_json(c, 100.0, &sram_um2, &sram_mw, &bram_model);
    const double bram = (double)r36 + 0.5 * (double)r18 + bram_model;
    /* the FPGA array (hw/rtl/an_array.v with AN_DSP_PACK) puts a column
    ** pair's two PEs on one DSP48E1 (an odd last column's PEs one each), at
    ** most; the rest (requantization multipliers, decode products) is fixed */
    const long array_dsp = o->nodsp ? 0 : (long)c->rows * ((c->cols + 1) / 2);
    const long other_dsp = dsp - array_dsp > 0 ? dsp - array_dsp : 0;
    int n_fit = 0;
    while ((long)(n_fit + 1) * ((n_fit + 2) / 2) + other_dsp <= 220) n_fit++;
    const int fits = lut <= 53200 && ff <= 106400 && dsp <= 220 && bram <= 140;
    char why[512];
    snprintf(why, sizeof why,
             "%s: LUT %ld/53200, FF %ld/106400, DSP48E1 %ld/220, BRAM36 %.1f/140%s",
             fits ? "fits" : "does not fit", lut, ff, dsp, bram,
             dsp > 220 ? "; too many DSP48E1: lower AN_ARRAY_DSP in hw/synth/xc7.ys (more "
                         "PE pairs on LUT multipliers), use --nodsp, or a smaller array"
                       : "");
    cJSON_AddStringToObject(j, "device",
                            "xc7z020 (53,200 LUT, 106,400 FF, 220 DSP48E1, 140 "
                            "BRAM36; data sheet)");
    cJSON_AddNumberToObject(j, "lut", (double)lut);
    cJSON_AddNumberToObject(j, "ff", (double)ff);
    cJSON_AddNumberToObject(j, "dsp48e1", (double)dsp);
    cJSON_AddNumberToObject(j, "bram36", bram);
    cJSON_AddNumberToObject(j, "bram36_logic", (double)r36 + 0.5 * (double)r18);
    cJSON_AddNumberToObject(j, "bram36_sram_modelled", bram_model);
    cJSON_AddNumberToObject(j, "carry4", (double)carry);
    cJSON_AddNumberToObject(j, "lutram", (double)lutram);
    cJSON_AddBoolToObject(j, "nodsp", o->nodsp != 0);
    cJSON *u = cJSON_AddObjectToObject(j, "utilization_pct");
    cJSON_AddNumberToObject(u, "lut", round(1000.0 * (double)lut / 53200) / 10);
    cJSON_AddNumberToObject(u, "ff", round(1000.0 * (double)ff / 106400) / 10);
    cJSON_AddNumberToObject(u, "dsp48e1", round(1000.0 * (double)dsp / 220) / 10);
    cJSON_AddNumberToObject(u, "bram36", round(1000.0 * bram / 140) / 10);
    cJSON_AddBoolToObject(j, "fits", fits);
    cJSON_AddStringToObject(j, "fit", why);
    cJSON_AddNumberToObject(j, "largest_square_array_in_dsp", n_fit);
    cJSON_AddItemToObject(j, "sram", sram);
    cJSON_AddNumberToObject(j, "synth_seconds", round(t * 10) / 10);
    cJSON_AddStringToObject(j, "sources",
                            "Yosys 0.23 synth_xilinx -family xc7 -flatten -noiopad: "
                            "post-synthesis resource estimate, no place and route, no Fmax; "
                            "SRAMs and queues black-boxed, their block RAMs modelled (sram.model)");
    return AN_OK;
}
