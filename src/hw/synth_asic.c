/*
** The ASIC flow (docs/hw.md): Yosys onto the OSU 0.18 um cells with the
** design's hierarchy kept (hw/synth/asic.ys), then OpenSTA for timing and
** power (hw/synth/sta.tcl): the worst path with the modules its ends are
** in, the area of every module, power vectorless and, given a trace of the
** rtl backend, from its simulated per-register activity (synth_power.c).
**
** Contract
** - Returns an_status with a message naming the tool and its log; never
**   prints, never exits.
** - Fails when STA did not read the whole netlist (its instance count
**   differs from Yosys') or printed an Error, instead of reporting partial
**   numbers.
*/
#include "hw_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_LIBERTY "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"
#define TOP             "an_npu"

/* Yosys' figures of the synthesized design. */
typedef struct ystat {
    double cells, logic_um2;
    long dffs, bb, hier;
    int clean;
    cJSON *modules;
} ystat;

static an_status read_stat(const char *dir, ystat *y) {
    char path[HW_PATHN];
    char *stat = NULL, *chk = NULL;
    hw_path(path, dir, "stat.txt");
    an_status s = hw_read_text(path, &stat);
    if (s) return s;
    const char *top = strstr(stat, "design hierarchy") ? "design hierarchy" : "=== " TOP " ===";
    y->cells = hw_num_after(stat, top, "Number of cells");
    y->logic_um2 = hw_num_after(stat, top, "Chip area for top module");
    if (y->logic_um2 < 0) y->logic_um2 = hw_num_after(stat, top, "Chip area for module");
    y->dffs = hw_sum_cells(stat, top, "DFF");
    y->bb = hw_sum_cells(stat, top, "an_sram") + hw_sum_cells(stat, top, "an_fifo");
    y->hier = hw_hier_instances(stat);
    y->modules = hw_module_areas(stat);
    free(stat);
    if (y->cells <= 0 || y->logic_um2 <= 0) {
        cJSON_Delete(y->modules);
        return an_fail(AN_ERR_FORMAT, "%s: no cell count or 'Chip area' line", path);
    }
    hw_path(path, dir, "check.txt");
    if ((s = hw_read_text(path, &chk))) {
        cJSON_Delete(y->modules);
        return s;
    }
    y->clean = strstr(chk, "Found and reported 0 problems") != NULL;
    free(chk);
    return AN_OK;
}

/* The register a flip-flop instance holds (its Q net's RTL name). */
typedef struct find_reg {
    const char *inst;
    char reg[512];
} find_reg;

static int reg_of(void *ctx, const char *inst, const char *reg) {
    find_reg *f = ctx;
    if (strcmp(inst, f->inst) != 0) return 0;
    snprintf(f->reg, sizeof f->reg, "%s", reg);
    return 1;
}

/* One end of the worst path: pin (a cell's instance path and a pin name,
** or a port), the module the cell sits in and, at a flip-flop, the
** register it holds. */
static void path_end(cJSON *o, const char *key, const char *pin, const hw_netlist *nl) {
    char inst[HW_PATHN], parent[HW_PATHN], k[64];
    snprintf(inst, sizeof inst, "%s", pin);
    char *slash = strrchr(inst, '/');
    if (slash)
        *slash = 0;
    else
        inst[0] = 0; /* a port of the top */
    snprintf(parent, sizeof parent, "%s", inst);
    slash = strrchr(parent, '/');
    if (slash)
        *slash = 0;
    else
        parent[0] = 0;
    const char *mod = hw_netlist_module_of(nl, TOP, parent); /* the module the cell is in */
    find_reg f = {inst, ""};
    if (*inst) hw_netlist_each_ff(nl, TOP, "DFF", reg_of, &f);
    snprintf(k, sizeof k, "%s_pin", key);
    cJSON_AddStringToObject(o, k, pin);
    snprintf(k, sizeof k, "%s_module", key);
    char base[128];
    const char *b = mod ? mod : "?";
    if (strncmp(b, "$paramod", 8) == 0 && strchr(b, '\\')) b = strchr(b, '\\') + 1;
    snprintf(base, sizeof base, "%.*s", (int)strcspn(b, "\\"), b);
    cJSON_AddStringToObject(o, k, base);
    snprintf(k, sizeof k, "%s_register", key);
    cJSON_AddStringToObject(o, k, f.reg);
}

/* The critical path of report_checks and its ends. */
static cJSON *path_json(const char *log, const hw_netlist *nl) {
    char sp[256], ep[256], pin[HW_PATHN];
    cJSON *o = cJSON_CreateObject();
    hw_line_after(log, "Startpoint:", sp, sizeof sp);
    hw_line_after(log, "Endpoint:", ep, sizeof ep);
    cJSON_AddStringToObject(o, "startpoint", sp);
    cJSON_AddStringToObject(o, "endpoint", ep);
    /* "   6.200   data arrival time": the number starts the line */
    const char *p = strstr(log, "Endpoint:"), *q = p ? strstr(p, "data arrival time") : NULL;
    while (q && q > log && q[-1] != '\n') q--;
    cJSON_AddNumberToObject(o, "data_arrival_ns", q ? strtod(q, NULL) : -1);
    hw_line_after(log, "AN_START_PIN", pin, sizeof pin);
    path_end(o, "start", pin, nl);
    hw_line_after(log, "AN_END_PIN", pin, sizeof pin);
    path_end(o, "end", pin, nl);
    return o;
}

/* The "Total" row of the report_power after marker: internal, switching,
** leakage, total (W); 0 when absent. */
static int power_after(const char *log, const char *marker, double w[4]) {
    const char *p = strstr(log, marker);
    p = p ? strstr(p, "\nTotal") : NULL;
    return p && sscanf(p, "\nTotal %lf %lf %lf %lf", &w[0], &w[1], &w[2], &w[3]) == 4;
}

static void add_power(cJSON *j, const char *prefix, const double w[4], double sram_mw) {
    static const char *const part[] = {"internal", "switching", "leakage"};
    char k[64];
    snprintf(k, sizeof k, "%slogic_power_mw", prefix);
    cJSON_AddNumberToObject(j, k, w[3] * 1e3);
    for (int i = 0; i < 3; i++) {
        snprintf(k, sizeof k, "%slogic_power_%s_mw", prefix, part[i]);
        cJSON_AddNumberToObject(j, k, w[i] * 1e3);
    }
    snprintf(k, sizeof k, "%ssram_power_mw", prefix);
    cJSON_AddNumberToObject(j, k, round(sram_mw * 1000) / 1000);
    snprintf(k, sizeof k, "%spower_mw", prefix);
    cJSON_AddNumberToObject(j, k, w[3] * 1e3 + sram_mw);
}

static double activity_of(const an_hw_synth_opts *o) {
    return o->activity > 0 ? o->activity : 0.1;
}

/* Fill the scripts into the work directory. */
static an_status scripts(const an_hw_synth_opts *o, const char *lib, const char *gen,
                         const char *sim) {
    char per[32], act[32], dly[32], netlist[HW_PATHN], tpl[HW_PATHN], out[HW_PATHN];
    const double period = o->period_ns > 0 ? o->period_ns : 10.0;
    snprintf(per, sizeof per, "%g", period);
    snprintf(act, sizeof act, "%g", activity_of(o));
    snprintf(dly, sizeof dly, "%d", (int)(period * 1000));
    hw_path(netlist, o->out_dir, "netlist.v");
    const hw_subst sub[] = {{"LIB", lib},        {"RTL", o->rtl_dir}, {"GEN", gen},
                            {"OUT", o->out_dir}, {"DELAY", dly},      {"NETLIST", netlist},
                            {"TOP", TOP},        {"PERIOD", per},     {"ACTIVITY", act},
                            {"SIMULATED", sim}};
    const int ns = (int)(sizeof sub / sizeof sub[0]);
    /* (the ABC files first: they are copied without substitution) */
    static const char *const files[] = {"abc.script", "abc_area.script", "abc.constr", "asic.ys",
                                        "sta.tcl"};
    const int nf = (int)(sizeof files / sizeof files[0]), nabc = 3;
    an_status s = AN_OK;
    for (int i = 0; i < nf && !s; i++) {
        hw_path(tpl, o->synth_dir, files[i]);
        hw_path(out, o->out_dir, files[i]);
        s = hw_fill(tpl, out, sub, i < nabc ? 0 : ns);
    }
    return s;
}

/* Yosys, then the netlist read back (and, given a trace, its activities
** grouped by module instance with their script). */
static an_status synthesize(const an_hw_synth_opts *o, const char *lib, const char *gen, int tmo,
                            double *secs, hw_netlist **nl, hw_groups **g, cJSON **sim) {
    char ys[HW_PATHN], log[HW_PATHN], path[HW_PATHN], act[HW_PATHN], src[HW_PATHN + 16] = "";
    hw_path(act, o->out_dir, "activity.tcl");
    if (o->vcd) snprintf(src, sizeof src, "source {%s}", act);
    an_status s = scripts(o, lib, gen, src);
    if (s) return s;
    hw_path(ys, o->out_dir, "asic.ys");
    hw_path(log, o->out_dir, "yosys.log");
    char *argv[] = {"yosys", "-q", "-s", ys, NULL};
    if ((s = hw_run_tool(argv, log, tmo, secs))) return s;
    hw_path(path, o->out_dir, "netlist.v");
    if ((s = hw_netlist_read(path, nl))) return s;
    if (o->vcd && (s = hw_power_prepare(*nl, TOP, o->vcd, act, activity_of(o), g, sim))) {
        hw_netlist_free(*nl);
        *nl = NULL;
    }
    return s;
}

/* OpenSTA's figures. */
typedef struct sta_out {
    double instances, slack, fmax, vectorless[4], simulated[4];
    cJSON *crit;
} sta_out;

static an_status run_sta(const an_hw_synth_opts *o, int tmo, const hw_netlist *nl,
                         const hw_groups *g, double *secs, sta_out *r) {
    char tcl[HW_PATHN], log[HW_PATHN];
    char *sl = NULL;
    hw_path(tcl, o->out_dir, "sta.tcl");
    hw_path(log, o->out_dir, "sta.log");
    char *argv[] = {"sta", "-no_splash", "-exit", tcl, NULL};
    an_status s = hw_run_tool(argv, log, tmo, secs);
    if (!s) s = hw_read_text(log, &sl);
    if (s) return s;
    if (strstr(sl, "Error") || strstr(sl, "error:")) {
        free(sl);
        return an_fail(AN_ERR_IO, "OpenSTA reported an error reading the netlist; see %s", log);
    }
    r->instances = hw_num_after(sl, NULL, "AN_STA_CELLS");
    r->slack = hw_num_after(sl, NULL, "AN_WORST_SLACK_NS");
    r->fmax = hw_num_after(sl, NULL, "AN_FMAX_MHZ");
    const int vl = power_after(sl, "AN_POWER vectorless", r->vectorless);
    const int sim = !g || hw_power_combine(g, sl, activity_of(o), r->simulated);
    r->crit = path_json(sl, nl);
    free(sl);
    if (r->instances <= 0 || r->fmax <= 0 || !vl || !sim) {
        cJSON_Delete(r->crit);
        return an_fail(AN_ERR_FORMAT, "%s: no cell count, slack or power from OpenSTA", log);
    }
    return AN_OK;
}

an_status hw_asic(const an_npu_config *c, const an_hw_synth_opts *o, const char *gen, int tmo,
                  cJSON *j) {
    const char *lib = o->liberty && o->liberty[0] ? o->liberty : DEFAULT_LIBERTY;
    if (access(lib, R_OK) != 0)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: liberty file not found (install qflow, or pass --liberty)", lib);
    if (!hw_on_path("sta"))
        return an_fail(AN_ERR_UNSUPPORTED,
                       "OpenSTA ('sta') is not on PATH; install it for --target asic");
    if (o->vcd && access(o->vcd, R_OK) != 0)
        return an_fail(AN_ERR_IO, "%s: cannot read the trace (--vcd)", o->vcd);
    double t_syn = 0, t_sta = 0;
    hw_netlist *nl = NULL;
    hw_groups *g = NULL;
    cJSON *sim = NULL;
    ystat y = {0};
    sta_out r = {0};
    an_status s = synthesize(o, lib, gen, tmo, &t_syn, &nl, &g, &sim);
    if (!s) s = read_stat(o->out_dir, &y);
    if (!s) s = run_sta(o, tmo, nl, g, &t_sta, &r);
    hw_netlist_free(nl);
    hw_groups_free(g);
    /* STA counts every instance at every level; Yosys' total replaces each
    ** hierarchical instance with its contents */
    if (!s && (long)r.instances != (long)y.cells + y.hier) {
        char log[HW_PATHN];
        hw_path(log, o->out_dir, "sta.log");
        s = an_fail(AN_ERR_FORMAT,
                    "OpenSTA read %ld instances but Yosys wrote %ld cells and %ld "
                    "hierarchical instances: a partial netlist (see %s)",
                    (long)r.instances, (long)y.cells, y.hier, log);
    }
    if (s) {
        cJSON_Delete(sim);
        cJSON_Delete(y.modules);
        cJSON_Delete(r.crit);
        return s;
    }
    const double period = o->period_ns > 0 ? o->period_ns : 10.0, mhz = 1000.0 / period;
    double sram_um2, sram_mw, bram36;
    cJSON *sram = hw_sram_json(c, mhz, &sram_um2, &sram_mw, &bram36);
    cJSON_AddStringToObject(j, "library",
                            "OSU 0.18 um standard cells (osu018_stdcells.lib, typical, 1.8 V)");
    cJSON_AddNumberToObject(j, "cells", y.cells);
    cJSON_AddNumberToObject(j, "flip_flops", (double)y.dffs);
    cJSON_AddNumberToObject(j, "black_boxes", (double)y.bb);
    cJSON_AddNumberToObject(j, "hierarchical_instances", (double)y.hier);
    cJSON_AddNumberToObject(j, "sta_instances", r.instances);
    cJSON_AddBoolToObject(j, "sta_read_whole_netlist", 1);
    cJSON_AddBoolToObject(j, "yosys_check_clean", y.clean);
    cJSON_AddNumberToObject(j, "logic_area_um2", round(y.logic_um2));
    cJSON_AddNumberToObject(j, "sram_area_um2", round(sram_um2));
    cJSON_AddNumberToObject(j, "area_um2", round(y.logic_um2) + round(sram_um2));
    cJSON_AddItemToObject(j, "modules", y.modules);
    cJSON_AddNumberToObject(j, "period_ns", period);
    cJSON_AddNumberToObject(j, "worst_slack_ns", r.slack);
    cJSON_AddNumberToObject(j, "fmax_mhz", r.fmax);
    cJSON_AddItemToObject(j, "critical_path", r.crit);
    cJSON_AddNumberToObject(j, "activity", o->activity > 0 ? o->activity : 0.1);
    cJSON_AddNumberToObject(j, "power_clock_mhz", mhz);
    add_power(j, "", r.vectorless, sram_mw);
    if (sim) {
        add_power(sim, "", r.simulated, sram_mw);
        cJSON_AddStringToObject(
            sim, "method",
            "toggles per clock of every register bit in the trace (Verilator VCD of the rtl "
            "backend) matched to the flip-flop holding it; per module instance, OpenSTA's power "
            "of its own cells at global activity 0 and 'activity', interpolated linearly to the "
            "mean toggle rate of its matched flip-flops (the design's mean where it has none); "
            "SRAM as modelled (upper bound)");
        cJSON_AddItemToObject(j, "simulated_power", sim);
    }
    cJSON_AddItemToObject(j, "sram", sram);
    cJSON_AddNumberToObject(j, "synth_seconds", round(t_syn * 10) / 10);
    cJSON_AddNumberToObject(j, "sta_seconds", round(t_sta * 10) / 10);
    cJSON_AddStringToObject(
        j, "sources",
        "logic: Yosys 0.23 (hierarchy kept: every RTL module synthesized once per parameter "
        "set; dfflibmap, abc with buffering and sizing) onto the OSU 0.18 um cells, area from "
        "stat -liberty (modules: each module's own cells times its instances); timing and "
        "power: OpenSTA, pre-layout, typical corner, no wire load, ideal clock; power "
        "vectorless: every net toggles 'activity' times per clock; simulated_power: from a "
        "trace of the rtl backend (its method); SRAM and instruction queues: black boxes, see "
        "sram.model");
    return AN_OK;
}
