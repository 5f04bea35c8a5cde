/*
** The sign-off summary of a synthesis report (docs/hw.md): for the ASIC
** flow cells, flip-flops, logic and SRAM area (SRAM marked modelled), worst
** slack, Fmax, the critical path's ends with their modules, the five
** largest modules, power split vectorless and, when the report has one,
** from simulated activity; for the XC7Z020 the resource table against the
** part and the fit verdict. Reads only the JSON, so a cached report prints
** the same as a fresh one.
*/
#include "cli_synth.h"

#include <cjson/cJSON.h>
#include <string.h>

static double num(const cJSON *j, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *str(const cJSON *j, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* n with thousands separators into buf. */
static const char *commas(double n, char *buf, size_t cap) {
    char t[32];
    snprintf(t, sizeof t, "%.0f", n);
    const size_t len = strlen(t), neg = t[0] == '-';
    size_t o = 0;
    for (size_t i = 0; i < len && o + 2 < cap; i++) {
        if (i > neg && (len - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = t[i];
    }
    buf[o] = 0;
    return buf;
}

static void power_line(FILE *f, const char *what, const cJSON *p) {
    fprintf(f,
            "    %-10s %.1f mW = logic %.1f (internal %.1f, switching %.1f, leakage %.3f) "
            "+ SRAM %.1f\n",
            what, num(p, "power_mw"), num(p, "logic_power_mw"), num(p, "logic_power_internal_mw"),
            num(p, "logic_power_switching_mw"), num(p, "logic_power_leakage_mw"),
            num(p, "sram_power_mw"));
}

static void path_end(FILE *f, const char *label, const cJSON *c, const char *key) {
    char k[32], m[32], r[32];
    snprintf(k, sizeof k, "%s_pin", key);
    snprintf(m, sizeof m, "%s_module", key);
    snprintf(r, sizeof r, "%s_register", key);
    const char *reg = str(c, r);
    fprintf(f, "    %s %s  (module %s%s%s)\n", label, str(c, k), str(c, m),
            *reg ? ", register " : "", reg);
}

static void asic(FILE *f, const cJSON *j) {
    char a[32], b[32], d[32];
    const double logic = num(j, "logic_area_um2") / 1e6, sram = num(j, "sram_area_um2") / 1e6;
    fprintf(f, "  cells       %s standard cells, %s flip-flops, %s black boxes (SRAM, queues)\n",
            commas(num(j, "cells"), a, sizeof a), commas(num(j, "flip_flops"), b, sizeof b),
            commas(num(j, "black_boxes"), d, sizeof d));
    fprintf(f, "  area        %.2f mm^2 = logic %.2f (synthesized) + SRAM %.2f (MODELLED)\n",
            logic + sram, logic, sram);
    fprintf(f, "  timing      Fmax %.1f MHz: worst slack %.2f ns at a %.3g ns clock\n",
            num(j, "fmax_mhz"), num(j, "worst_slack_ns"), num(j, "period_ns"));
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "critical_path");
    if (c) {
        fprintf(f, "  critical path %.2f ns\n", num(c, "data_arrival_ns"));
        path_end(f, "from", c, "start");
        path_end(f, "to  ", c, "end");
    }
    const cJSON *mods = cJSON_GetObjectItemCaseSensitive(j, "modules"), *m;
    if (cJSON_GetArraySize(mods) > 0) {
        fprintf(f, "  largest modules (own cells x instances, of the logic area):\n");
        int i = 0;
        cJSON_ArrayForEach(m, mods) {
            if (i++ == 5) break;
            const double mm2 = num(m, "area_um2") / 1e6;
            fprintf(f, "    %-14s x%-5.0f %7.3f mm^2  %5.1f %%\n", str(m, "module"),
                    num(m, "instances"), mm2, logic > 0 ? 100.0 * mm2 / logic : 0);
        }
    }
    fprintf(f, "  power       at %.0f MHz (logic: OpenSTA; SRAM: modelled, an upper bound)\n",
            num(j, "power_clock_mhz"));
    power_line(f, "vectorless", j);
    fprintf(f, "               (every net toggles %g times a clock)\n", num(j, "activity"));
    const cJSON *sim = cJSON_GetObjectItemCaseSensitive(j, "simulated_power");
    if (sim) {
        power_line(f, "simulated", sim);
        fprintf(f,
                "               (%s: %s clocks, %s of %s flip-flops matched, mean %.3f "
                "toggles a clock)\n",
                str(sim, "trace"), commas(num(sim, "clocks"), a, sizeof a),
                commas(num(sim, "flip_flops_matched"), b, sizeof b),
                commas(num(sim, "flip_flops"), d, sizeof d), num(sim, "mean_ff_activity"));
    }
}

static void xc7(FILE *f, const cJSON *j) {
    static const struct {
        const char *key, *name;
        double cap;
    } res[] = {{"lut", "LUT", 53200},
               {"ff", "FF", 106400},
               {"dsp48e1", "DSP48E1", 220},
               {"bram36", "BRAM36", 140}};
    char a[32], b[32];
    fprintf(f, "  %-9s %10s %10s %8s\n", "resource", "used", "XC7Z020", "used %");
    for (int i = 0; i < 4; i++) {
        const double v = num(j, res[i].key);
        fprintf(f, "  %-9s %10s %10s %7.1f%s\n", res[i].name,
                i == 3 ? (snprintf(a, sizeof a, "%.1f", v), a) : commas(v, a, sizeof a),
                commas(res[i].cap, b, sizeof b), 100.0 * v / res[i].cap,
                v > res[i].cap ? "  OVER" : "");
    }
    fprintf(f, "  (BRAM36: %.1f from the logic + %.1f modelled for the buffers and queues)\n",
            num(j, "bram36_logic"), num(j, "bram36_sram_modelled"));
    fprintf(f, "  verdict     %s\n", str(j, "fit"));
}

an_status cli_synth_summary(const char *text, const char *path, FILE *f) {
    cJSON *j = cJSON_Parse(text);
    const char *schema = j ? str(j, "schema") : "";
    if (!j || strcmp(schema, "asicnn-synth-1") != 0) {
        cJSON_Delete(j);
        return an_fail(AN_ERR_FORMAT,
                       "%s: not a synthesis report (no schema asicnn-synth-1); write one with "
                       "asicnn synth",
                       path);
    }
    const int is_asic = strcmp(str(j, "target"), "asic") == 0;
    fprintf(f, "%s, %.0fx%.0f array, on %s\n", str(j, "chip"), num(j, "rows"), num(j, "cols"),
            is_asic ? "OSU 0.18 um cells (pre-layout, typical corner)"
                    : "the XC7Z020 (post-synthesis estimate)");
    if (is_asic)
        asic(f, j);
    else
        xc7(f, j);
    const double sta = num(j, "sta_seconds");
    fprintf(f, "  run time    Yosys %.0f s", num(j, "synth_seconds"));
    if (sta >= 0) fprintf(f, " + OpenSTA %.0f s", sta);
    fprintf(f, "\n");
    cJSON_Delete(j);
    return AN_OK;
}
