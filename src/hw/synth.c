/*
** Synthesis of the chip (docs/hw.md): Yosys onto the OSU 0.18 um cells and
** OpenSTA for timing and power (--target asic), or Yosys synth_xilinx with a
** capacity check against the XC7Z020 (--target xc7z020). The scripts in
** hw/synth are templates whose {NAMES} are filled in here and written to
** the work directory; the tools run as child processes with a time limit
** and their logs stay in the work directory. The SRAMs and the instruction
** queues are black boxes; their area, energy and block RAMs come from the
** stated models below.
**
** Contract
** - Returns an_status with a message naming the tool and its log; never
**   prints, never exits.
** - Fails when STA did not read the whole netlist (its cell count differs
**   from Yosys') or printed an Error, instead of reporting partial numbers.
*/
#include "asicnn/hw.h"
#include "asicnn/runtime.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LIBERTY "/usr/share/qflow/tech/osu018/osu018_stdcells.lib"
#define LIB_FEATURE_UM  0.18
#define PATHN           1024

/* SRAM macro model (stated, docs/hw.md): a 6T bit cell of 140 F^2 (ITRS
** ORTC, 6T SRAM cell area factor) at the library's F = 0.18 um, and 70 %
** array efficiency (decoders, sense amplifiers, I/O around the bit cells). */
#define SRAM_CELL_F2    140.0
#define SRAM_EFFICIENCY 0.70

/* ---------------- tools ---------------- */

/* 1 when an executable called name is on PATH. */
static int on_path(const char *name) {
    const char *p = getenv("PATH");
    char buf[PATHN];
    while (p && *p) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && n + strlen(name) + 2 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, name);
            if (access(buf, X_OK) == 0) return 1;
        }
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* Run argv with stdout and stderr into log, in dir, killed (with its whole
** process group) after timeout_s seconds; *secs gets the wall time. */
static an_status run_tool(char *const argv[], const char *dir, const char *log, int timeout_s,
                          double *secs) {
    const double t0 = an_now();
    pid_t pid = fork();
    if (pid < 0) return an_fail(AN_ERR_IO, "%s: cannot start: %s", argv[0], strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        FILE *f = freopen(log, "w", stdout);
        if (!f || chdir(dir) != 0) _exit(126);
        dup2(fileno(stdout), fileno(stderr));
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid);
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return an_fail(AN_ERR_IO, "%s: wait failed", argv[0]);
        if (an_now() - t0 > timeout_s) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return an_fail(AN_ERR_IO, "%s ran past its limit of %d s and was stopped (log: %s)",
                           argv[0], timeout_s, log);
        }
        struct timespec d = {0, 50000000};
        nanosleep(&d, NULL);
    }
    *secs = an_now() - t0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return an_fail(AN_ERR_UNSUPPORTED, "%s could not be run (not installed?)", argv[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return an_fail(AN_ERR_IO, "%s failed (exit %d); see %s", argv[0],
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
    return AN_OK;
}

/* ---------------- templates ---------------- */

typedef struct subst {
    const char *key, *val;
} subst;

/* Copy template tpl to path, replacing every {KEY} of the table. */
static an_status fill(const char *tpl, const char *path, const subst *sub, int nsub) {
    char *t = NULL;
    size_t n = 0;
    an_status s = an_read_file(tpl, 1 << 20, &t, &n);
    if (s) return s;
    FILE *f = fopen(path, "w");
    if (!f) {
        free(t);
        return an_fail(AN_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    for (const char *p = t; *p;) {
        int hit = 0;
        if (*p == '{')
            for (int i = 0; i < nsub && !hit; i++) {
                size_t k = strlen(sub[i].key);
                if (strncmp(p + 1, sub[i].key, k) == 0 && p[k + 1] == '}') {
                    fputs(sub[i].val, f);
                    p += k + 2;
                    hit = 1;
                }
            }
        if (!hit) fputc(*p++, f);
    }
    free(t);
    return fclose(f) == 0 ? AN_OK : an_fail(AN_ERR_IO, "%s: write failed", path);
}

static an_status copy_file(const char *from, const char *to) {
    return fill(from, to, NULL, 0);
}

/* ---------------- report parsing ---------------- */

/* The number after the first occurrence of key at or after from in text;
** -1 when absent. */
static double num_after(const char *text, const char *from, const char *key) {
    const char *p = from ? strstr(text, from) : text;
    if (!p || !(p = strstr(p, key))) return -1;
    p += strlen(key);
    const char *colon = strchr(p, ':'), *eol = strchr(p, '\n');
    if (colon && (!eol || colon < eol)) p = colon + 1; /* "... '\\top': 123" */
    while (*p == ' ' || *p == '\t') p++;
    char *end;
    double v = strtod(p, &end);
    return end == p ? -1 : v;
}

/* Sum of the counts of the cell types in stat's section starting at from
** whose names start with prefix. */
static long sum_cells(const char *text, const char *from, const char *prefix) {
    const char *p = from ? strstr(text, from) : text;
    long sum = 0;
    if (!p) return 0;
    for (; (p = strchr(p, '\n')); p++) {
        char name[64];
        long v;
        if (sscanf(p + 1, " %63s %ld", name, &v) == 2 && strncmp(name, prefix, strlen(prefix)) == 0)
            sum += v;
    }
    return sum;
}

/* Hierarchical instances in stat's "design hierarchy" block (every module
** line after the top's, up to the totals); 0 when the design is flat. */
static long hier_instances(const char *text) {
    const char *p = strstr(text, "=== design hierarchy ===");
    long sum = 0;
    int first = 1;
    if (!p) return 0;
    for (p = strchr(p, '\n'); p; p = strchr(p + 1, '\n')) {
        char name[512];
        long v;
        if (strncmp(p + 1, "   Number of", 12) == 0) break;
        if (p[1] == '\n' || p[1] == '\r') continue; /* sscanf would read the next line */
        if (sscanf(p + 1, " %511s %ld", name, &v) != 2) continue;
        if (!first) sum += v;
        first = 0;
    }
    return sum;
}

/* The rest of the line after key (trimmed) into out. */
static void line_after(const char *text, const char *key, char *out, size_t n) {
    const char *p = strstr(text, key);
    out[0] = 0;
    if (!p) return;
    p += strlen(key);
    while (*p == ' ') p++;
    size_t k = strcspn(p, "\r\n");
    snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), p);
}

static an_status read_text(const char *path, char **t) {
    size_t n;
    return an_read_file(path, (size_t)1 << 30, t, &n);
}

/* ---------------- the SRAM model ---------------- */

typedef struct buffer {
    const char *name;
    int64_t bytes, port_bytes;
} buffer;

static int buffers_of(const an_npu_config *c, buffer b[4]) {
    const int64_t wa = c->rows > c->cols ? c->rows : c->cols;
    b[0] = (buffer){"act", c->act_bytes, wa};
    b[1] = (buffer){"wgt", c->wgt_bytes, c->cols};
    b[2] = (buffer){"acc", c->acc_bytes, 4 * (int64_t)c->cols};
    b[3] = (buffer){"insn_queues", 3 * (int64_t)c->insn_depth * 32, 32};
    return 4;
}

/* XC7 block RAM of one buffer: port_bytes byte-wide banks (any byte address
** starts a port-wide access), each bank bytes/port deep in RAMB18 halves
** (2K x 9); the queues are 512 x 72 RAMB36 columns. */
static double bram36_of(const buffer *b, int is_queue, int64_t depth) {
    if (is_queue) return 3.0 * ceil(256.0 / 72.0) * ceil((double)depth / 512.0);
    const double d = ceil((double)b->bytes / (double)b->port_bytes);
    return (double)b->port_bytes * ceil(d / 2048.0) / 2.0;
}

static cJSON *sram_json(const an_npu_config *c, double mhz, double *area_um2, double *mw,
                        double *bram36) {
    buffer b[4];
    const int nb = buffers_of(c, b);
    const double bit_um2 = SRAM_CELL_F2 * LIB_FEATURE_UM * LIB_FEATURE_UM / SRAM_EFFICIENCY;
    cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "buffers");
    *area_um2 = *mw = *bram36 = 0;
    for (int i = 0; i < nb; i++) {
        /* energy: the project's SRAM model (docs/energy.md, Horowitz 2014) at
        ** 45 nm, scaled linearly to 180 nm; one port-wide read and one write
        ** per cycle (an upper bound: every buffer busy every cycle) */
        const double pj = an_energy_sram64_45nm(b[i].bytes) * (180.0 / 45.0) *
                          (double)(b[i].port_bytes * 8) / 64.0 * 2.0;
        const double a = (double)b[i].bytes * 8.0 * bit_um2,
                     p = pj * mhz * 1e-3; /* pJ x MHz = uW */
        const double br = bram36_of(&b[i], i == 3, c->insn_depth);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", b[i].name);
        cJSON_AddNumberToObject(e, "bytes", (double)b[i].bytes);
        cJSON_AddNumberToObject(e, "port_bytes", (double)b[i].port_bytes);
        cJSON_AddNumberToObject(e, "area_um2", round(a));
        cJSON_AddNumberToObject(e, "power_mw", round(p * 1000) / 1000);
        cJSON_AddNumberToObject(e, "bram36", br);
        cJSON_AddItemToArray(list, e);
        *area_um2 += a, *mw += p, *bram36 += br;
    }
    cJSON_AddStringToObject(
        o, "model",
        "MODELLED, not synthesized: area = bits x 140 F^2 (6T cell, ITRS ORTC cell area "
        "factor) at F = 0.18 um / 0.70 array efficiency = 6.48 um^2 per bit; energy per access "
        "from docs/energy.md (Horowitz, ISSCC 2014, 45 nm) scaled x4 to 180 nm, one read and "
        "one write of the port width per cycle per buffer (upper bound); XC7 block RAM: one "
        "byte-wide bank per port byte in RAMB18 (2K x 9) halves, queues as 512 x 72 RAMB36");
    return o;
}

/* ---------------- the two flows ---------------- */

static const char *lib_of(const an_hw_synth_opts *o) {
    return o->liberty && o->liberty[0] ? o->liberty : DEFAULT_LIBERTY;
}

static void path_of(char *buf, const char *dir, const char *name) {
    snprintf(buf, PATHN, "%s/%s", dir, name);
}

/* The critical path of report_checks: start, end, data arrival. */
static cJSON *path_json(const char *log) {
    char sp[256], ep[256];
    cJSON *o = cJSON_CreateObject();
    line_after(log, "Startpoint:", sp, sizeof sp);
    line_after(log, "Endpoint:", ep, sizeof ep);
    cJSON_AddStringToObject(o, "startpoint", sp);
    cJSON_AddStringToObject(o, "endpoint", ep);
    /* "   6.200   data arrival time": the number starts the line */
    const char *p = strstr(log, "Endpoint:"), *q = p ? strstr(p, "data arrival time") : NULL;
    while (q && q > log && q[-1] != '\n') q--;
    cJSON_AddNumberToObject(o, "data_arrival_ns", q ? strtod(q, NULL) : -1);
    return o;
}

static an_status asic(const an_npu_config *c, const an_hw_synth_opts *o, const char *gen, int tmo,
                      cJSON *j) {
    char ys[PATHN], tcl[PATHN], log[PATHN], tpl[PATHN], tmp[PATHN], per[32], act[32], dly[32];
    const char *lib = lib_of(o);
    if (access(lib, R_OK) != 0)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: liberty file not found (install qflow, or pass "
                       "--liberty)",
                       lib);
    if (!on_path("sta"))
        return an_fail(AN_ERR_UNSUPPORTED, "OpenSTA ('sta') is not on PATH; install it for "
                                           "--target asic");
    const double period = o->period_ns > 0 ? o->period_ns : 10.0;
    const double activity = o->activity > 0 ? o->activity : 0.1;
    snprintf(per, sizeof per, "%g", period);
    snprintf(act, sizeof act, "%g", activity);
    snprintf(dly, sizeof dly, "%d", (int)(period * 1000));
    char netlist[PATHN];
    path_of(netlist, o->out_dir, "netlist.v");
    const subst sub[] = {{"LIB", lib},        {"RTL", o->rtl_dir}, {"GEN", gen},
                         {"OUT", o->out_dir}, {"DELAY", dly},      {"NETLIST", netlist},
                         {"TOP", "an_npu"},   {"PERIOD", per},     {"ACTIVITY", act}};
    const int ns = (int)(sizeof sub / sizeof sub[0]);
    an_status s;
    const char *const copies[] = {"abc.script", "abc.constr"};
    for (int i = 0; i < 2; i++) {
        path_of(tpl, o->synth_dir, copies[i]);
        path_of(tmp, o->out_dir, copies[i]);
        if ((s = copy_file(tpl, tmp))) return s;
    }
    path_of(tpl, o->synth_dir, "asic.ys");
    path_of(ys, o->out_dir, "asic.ys");
    if ((s = fill(tpl, ys, sub, ns))) return s;
    path_of(tpl, o->synth_dir, "sta.tcl");
    path_of(tcl, o->out_dir, "sta.tcl");
    if ((s = fill(tpl, tcl, sub, ns))) return s;

    double t_syn = 0, t_sta = 0;
    path_of(log, o->out_dir, "yosys.log");
    char *yargv[] = {"yosys", "-q", "-s", ys, NULL};
    if ((s = run_tool(yargv, ".", log, tmo, &t_syn))) return s;
    char *stat = NULL, *chk = NULL, *sl = NULL;
    path_of(tmp, o->out_dir, "stat.txt");
    if ((s = read_text(tmp, &stat))) return s;
    const char *top = strstr(stat, "design hierarchy") ? "design hierarchy" : "=== an_npu ===";
    const double cells = num_after(stat, top, "Number of cells");
    double logic_um2 = num_after(stat, top, "Chip area for top module");
    if (logic_um2 < 0) logic_um2 = num_after(stat, top, "Chip area for module");
    const long dffs = sum_cells(stat, top, "DFF");
    const long bb = sum_cells(stat, top, "an_sram") + sum_cells(stat, top, "an_fifo");
    const long hier = hier_instances(stat);
    free(stat);
    if (cells <= 0 || logic_um2 <= 0)
        return an_fail(AN_ERR_FORMAT, "%s: no cell count or 'Chip area' line", tmp);
    path_of(tmp, o->out_dir, "check.txt");
    if ((s = read_text(tmp, &chk))) return s;
    const int checked = strstr(chk, "Found and reported 0 problems") != NULL;
    free(chk);

    path_of(log, o->out_dir, "sta.log");
    char *sargv[] = {"sta", "-no_splash", "-exit", tcl, NULL};
    if ((s = run_tool(sargv, ".", log, tmo, &t_sta))) return s;
    if ((s = read_text(log, &sl))) return s;
    if (strstr(sl, "Error") || strstr(sl, "error:")) {
        free(sl);
        return an_fail(AN_ERR_IO, "OpenSTA reported an error reading the netlist; see %s", log);
    }
    /* leaf cells plus the hierarchical instances that STA sees */
    const double sta_cells = num_after(sl, NULL, "AN_STA_CELLS");
    const double ws = num_after(sl, NULL, "AN_WORST_SLACK_NS");
    const double fmax = num_after(sl, NULL, "AN_FMAX_MHZ");
    const char *pw = strstr(sl, "\nTotal");
    double pw_int = -1, pw_sw = -1, pw_leak = -1, pw_tot = -1;
    if (pw) sscanf(pw, "\nTotal %lf %lf %lf %lf", &pw_int, &pw_sw, &pw_leak, &pw_tot);
    cJSON *crit = path_json(sl);
    free(sl);
    if (sta_cells <= 0 || fmax <= 0 || pw_tot < 0) {
        cJSON_Delete(crit);
        return an_fail(AN_ERR_FORMAT, "%s: no cell count, slack or power from OpenSTA", log);
    }
    /* STA counts every instance at every level; Yosys' total replaces each
    ** hierarchical instance with its contents */
    if ((long)sta_cells != (long)cells + hier) {
        cJSON_Delete(crit);
        return an_fail(AN_ERR_FORMAT,
                       "OpenSTA read %ld instances but Yosys wrote %ld cells and %ld "
                       "hierarchical instances: a partial netlist (see %s)",
                       (long)sta_cells, (long)cells, hier, log);
    }

    const double mhz = 1000.0 / period;
    double sram_um2, sram_mw, bram36;
    cJSON *sram = sram_json(c, mhz, &sram_um2, &sram_mw, &bram36);
    cJSON_AddStringToObject(j, "library",
                            "OSU 0.18 um standard cells (osu018_stdcells.lib, "
                            "typical, 1.8 V)");
    cJSON_AddNumberToObject(j, "cells", cells);
    cJSON_AddNumberToObject(j, "flip_flops", (double)dffs);
    cJSON_AddNumberToObject(j, "black_boxes", (double)bb);
    cJSON_AddNumberToObject(j, "hierarchical_instances", (double)hier);
    cJSON_AddNumberToObject(j, "sta_instances", sta_cells);
    cJSON_AddBoolToObject(j, "sta_read_whole_netlist", 1);
    cJSON_AddBoolToObject(j, "yosys_check_clean", checked);
    cJSON_AddNumberToObject(j, "logic_area_um2", round(logic_um2));
    cJSON_AddNumberToObject(j, "sram_area_um2", round(sram_um2));
    cJSON_AddNumberToObject(j, "area_um2", round(logic_um2 + sram_um2));
    cJSON_AddNumberToObject(j, "period_ns", period);
    cJSON_AddNumberToObject(j, "worst_slack_ns", ws);
    cJSON_AddNumberToObject(j, "fmax_mhz", fmax);
    cJSON_AddItemToObject(j, "critical_path", crit);
    cJSON_AddNumberToObject(j, "activity", activity);
    cJSON_AddNumberToObject(j, "power_clock_mhz", mhz);
    cJSON_AddNumberToObject(j, "logic_power_mw", pw_tot * 1e3);
    cJSON_AddNumberToObject(j, "logic_power_internal_mw", pw_int * 1e3);
    cJSON_AddNumberToObject(j, "logic_power_switching_mw", pw_sw * 1e3);
    cJSON_AddNumberToObject(j, "logic_power_leakage_mw", pw_leak * 1e3);
    cJSON_AddNumberToObject(j, "sram_power_mw", round(sram_mw * 1000) / 1000);
    cJSON_AddNumberToObject(j, "power_mw", pw_tot * 1e3 + sram_mw);
    cJSON_AddItemToObject(j, "sram", sram);
    cJSON_AddNumberToObject(j, "synth_seconds", round(t_syn * 10) / 10);
    cJSON_AddNumberToObject(j, "sta_seconds", round(t_sta * 10) / 10);
    cJSON_AddStringToObject(
        j, "sources",
        "logic: Yosys 0.23 (hierarchical synth, dfflibmap, abc with buffering and sizing) onto "
        "the OSU 0.18 um cells, area from stat -liberty; timing and power: OpenSTA, pre-layout, "
        "typical corner, no wire load, ideal clock; power vectorless: every net toggles "
        "'activity' times per clock (set_power_activity, no simulation activity); SRAM and "
        "instruction queues: black boxes, see sram.model");
    return AN_OK;
}

static an_status xc7(const an_npu_config *c, const an_hw_synth_opts *o, const char *gen, int tmo,
                     cJSON *j) {
    char ys[PATHN], tpl[PATHN], log[PATHN], tmp[PATHN];
    const subst sub[] = {{"RTL", o->rtl_dir},
                         {"GEN", gen},
                         {"OUT", o->out_dir},
                         {"NODSP", o->nodsp ? "-nodsp" : ""}};
    an_status s;
    path_of(tpl, o->synth_dir, "xc7.ys");
    path_of(ys, o->out_dir, "xc7.ys");
    if ((s = fill(tpl, ys, sub, 4))) return s;
    double t = 0;
    path_of(log, o->out_dir, "yosys.log");
    char *argv[] = {"yosys", "-q", "-s", ys, NULL};
    if ((s = run_tool(argv, ".", log, tmo, &t))) return s;
    char *st = NULL;
    path_of(tmp, o->out_dir, "stat.txt");
    if ((s = read_text(tmp, &st))) return s;
    const char *top = strstr(st, "design hierarchy") ? "design hierarchy" : "=== an_npu ===";
    const long lut = sum_cells(st, top, "LUT") + sum_cells(st, top, "SRL"),
               ff = sum_cells(st, top, "FD"), dsp = sum_cells(st, top, "DSP48E1"),
               r36 = sum_cells(st, top, "RAMB36"), r18 = sum_cells(st, top, "RAMB18"),
               carry = sum_cells(st, top, "CARRY4"), lutram = sum_cells(st, top, "RAM") - r36 - r18;
    free(st);
    if (lut + ff <= 0) return an_fail(AN_ERR_FORMAT, "%s: no LUT or FF counts", tmp);
    double sram_um2, sram_mw, bram_model;
    cJSON *sram = sram_json(c, 100.0, &sram_um2, &sram_mw, &bram_model);
    const double bram = (double)r36 + 0.5 * (double)r18 + bram_model;
    /* the array's PEs are one DSP48E1 each; the rest (requantization
    ** multipliers, pool address arithmetic) is fixed */
    const long array_dsp = o->nodsp ? 0 : (long)c->rows * c->cols;
    const long other_dsp = dsp - array_dsp > 0 ? dsp - array_dsp : 0;
    int n_fit = 0;
    while ((long)(n_fit + 1) * (n_fit + 1) + other_dsp <= 220) n_fit++;
    const int fits = lut <= 53200 && ff <= 106400 && dsp <= 220 && bram <= 140;
    char why[512];
    snprintf(why, sizeof why,
             "%s: LUT %ld/53200, FF %ld/106400, DSP48E1 %ld/220, BRAM36 %.1f/140%s",
             fits ? "fits" : "does not fit", lut, ff, dsp, bram,
             dsp > 220 ? "; too many DSP48E1: use --nodsp (array multipliers in LUTs) or a "
                         "smaller array"
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

an_status an_hw_synth(const an_npu_config *c, const an_hw_synth_opts *o, char **json) {
    *json = NULL;
    if (!on_path("yosys"))
        return an_fail(AN_ERR_UNSUPPORTED, "Yosys ('yosys') is not on PATH; install it to "
                                           "synthesize");
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
        return an_fail(AN_ERR_IO, "%s: cannot create the directory: %s", o->out_dir,
                       strerror(errno));
    char gen[PATHN];
    path_of(gen, o->out_dir, "gen");
    an_status s = an_hw_gen(c, gen);
    if (s) return s;
    cJSON *j = cJSON_CreateObject();
    if (!j) return an_fail(AN_ERR_NOMEM, "out of memory for the synthesis report");
    cJSON_AddStringToObject(j, "schema", "asicnn-synth-1");
    cJSON_AddStringToObject(j, "target", o->target == AN_HW_ASIC ? "asic" : "xc7z020");
    cJSON_AddStringToObject(j, "chip", c->name);
    cJSON_AddNumberToObject(j, "rows", c->rows);
    cJSON_AddNumberToObject(j, "cols", c->cols);
    const int tmo = o->timeout_s > 0 ? o->timeout_s : 3600;
    s = o->target == AN_HW_ASIC ? asic(c, o, gen, tmo, j) : xc7(c, o, gen, tmo, j);
    if (!s) {
        *json = cJSON_Print(j);
        if (!*json) s = an_fail(AN_ERR_NOMEM, "out of memory for the synthesis report");
    }
    cJSON_Delete(j);
    return s;
}
