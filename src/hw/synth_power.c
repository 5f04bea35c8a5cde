/*
** Power from simulated activity (docs/energy.md). The toggles per clock of
** every register bit in a trace of the rtl backend are matched to the
** flip-flops of the synthesized netlist that hold those bits (Yosys keeps
** the register names on their Q nets). OpenSTA 2.0.17 crashes when it
** propagates activities through a hierarchical netlist, so the power is
** built from what it does reliably, reports with one global activity: per
** module instance (the flip-flops and gates directly in it), its power at
** activity 0 (clock pins only, and leakage) and at the vectorless activity
** a, each split into internal, switching and leakage. Every part is linear
** in the activity, so the instance's power at its own activity x, the mean
** toggles per clock of its matched flip-flops, is P(0) + x / a (P(a) -
** P(0)); an instance without matched flip-flops takes the design's mean.
**
** Contract: returns an_status naming the trace or the script; never
** prints.
*/
#include "hw_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct group {
    char *path; /* the module instance, as OpenSTA names it ("." the top) */
    double sum;
    long n;
} group;

struct hw_groups {
    group *g;
    int n, cap;
    long total, matched;
    double sum;
};

/* The group of the instance path's parent; NULL out of memory. */
static group *group_of(hw_groups *gs, const char *inst) {
    const char *slash = strrchr(inst, '/');
    const size_t k = slash ? (size_t)(slash - inst) : 1;
    const char *name = slash ? inst : ".";
    for (int i = 0; i < gs->n; i++)
        if (strlen(gs->g[i].path) == k && strncmp(gs->g[i].path, name, k) == 0) return &gs->g[i];
    if (gs->n == gs->cap) {
        const int c = gs->cap ? 2 * gs->cap : 64;
        group *b = realloc(gs->g, (size_t)c * sizeof *b);
        if (!b) return NULL;
        gs->g = b, gs->cap = c;
    }
    group *g = &gs->g[gs->n];
    if (!(g->path = malloc(k + 1))) return NULL;
    memcpy(g->path, name, k);
    g->path[k] = 0;
    g->sum = 0, g->n = 0;
    gs->n++;
    return g;
}

typedef struct walk_ctx {
    hw_groups *gs;
    const hw_activity *a;
    int oom;
} walk_ctx;

static int one_ff(void *ctx, const char *inst, const char *reg) {
    walk_ctx *w = ctx;
    const double x = hw_activity_of(w->a, reg);
    w->gs->total++;
    if (x < 0) return 0;
    group *g = group_of(w->gs, inst);
    if (!g) return w->oom = 1;
    g->sum += x, g->n++;
    w->gs->matched++, w->gs->sum += x;
    return 0;
}

void hw_groups_free(hw_groups *gs) {
    if (!gs) return;
    for (int i = 0; i < gs->n; i++) free(gs->g[i].path);
    free(gs->g);
    free(gs);
}

/* The script: every leaf instance's power summed per parent instance, at
** activity 0 and at act ("AN_GP tag internal switching leakage path"). */
static const char SCRIPT[] =
    "# per module instance power at two global activities (asicnn synth --vcd)\n"
    "proc an_group_power {tag} {\n"
    "    set corner [sta::cmd_corner]\n"
    "    foreach c [get_cells -hierarchical *] {\n"
    "        set parent [file dirname [get_full_name $c]]\n"
    "        lassign [sta::instance_power $c $corner] i s l t\n"
    "        if {[info exists ::an_pw($parent)]} {\n"
    "            lassign $::an_pw($parent) i0 s0 l0\n"
    "            set ::an_pw($parent) [list [expr {$i0 + $i}] [expr {$s0 + $s}] [expr {$l0 + "
    "$l}]]\n"
    "        } else {\n"
    "            set ::an_pw($parent) [list $i $s $l]\n"
    "        }\n"
    "    }\n"
    "    foreach k [array names ::an_pw] { puts \"AN_GP $tag $::an_pw($k) $k\" }\n"
    "    array unset ::an_pw\n"
    "}\n"
    "set_power_activity -global -activity 0.0\n"
    "an_group_power 0\n"
    "set_power_activity -global -activity %g\n"
    "an_group_power 1\n";

an_status hw_power_prepare(const hw_netlist *nl, const char *top, const char *vcd,
                           const char *script, double act, hw_groups **out, cJSON **info) {
    *out = NULL, *info = NULL;
    hw_activity *a = NULL;
    an_status s = hw_activity_read(vcd, "TOP.an_npu", &a);
    if (s) return s;
    hw_groups *gs = calloc(1, sizeof *gs);
    walk_ctx w = {gs, a, !gs};
    if (gs) hw_netlist_each_ff(nl, top, "DFF", one_ff, &w);
    const double clocks = hw_activity_clocks(a);
    hw_activity_free(a);
    if (w.oom) {
        hw_groups_free(gs);
        return an_fail(AN_ERR_NOMEM, "%s: out of memory matching the trace", vcd);
    }
    if (gs->matched == 0) {
        const long total = gs->total;
        hw_groups_free(gs);
        return an_fail(AN_ERR_FORMAT,
                       "%s: none of the netlist's %ld flip-flops has a register of that name in "
                       "the trace (a trace of another chip or RTL?)",
                       vcd, total);
    }
    FILE *f = fopen(script, "w");
    if (!f || fprintf(f, SCRIPT, act) < 0 || fclose(f) != 0) {
        hw_groups_free(gs);
        return an_fail(AN_ERR_IO, "%s: cannot write: %s", script, strerror(errno));
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "trace", vcd);
    cJSON_AddNumberToObject(o, "clocks", clocks);
    cJSON_AddNumberToObject(o, "flip_flops", (double)gs->total);
    cJSON_AddNumberToObject(o, "flip_flops_matched", (double)gs->matched);
    cJSON_AddNumberToObject(o, "mean_ff_activity", gs->sum / (double)gs->matched);
    *out = gs, *info = o;
    return AN_OK;
}

/* The group of instance path[0..k). */
static const group *find_group(const hw_groups *gs, const char *path, size_t k) {
    for (int i = 0; i < gs->n; i++)
        if (strlen(gs->g[i].path) == k && strncmp(gs->g[i].path, path, k) == 0) return &gs->g[i];
    return NULL;
}

int hw_power_combine(const hw_groups *gs, const char *log, double act, double w[4]) {
    const double mean = gs->sum / (double)gs->matched;
    double p0[3] = {0}, p1[3] = {0};
    int seen = 0;
    w[0] = w[1] = w[2] = w[3] = 0;
    /* the two passes print the same groups; pair them by path */
    for (const char *p = strstr(log, "AN_GP 0 "); p; p = strstr(p + 1, "AN_GP 0 ")) {
        int used = 0;
        if (sscanf(p, "AN_GP 0 %lf %lf %lf %n", &p0[0], &p0[1], &p0[2], &used) != 3 || !used)
            continue;
        const char *path = p + used;
        const size_t k = strcspn(path, "\r\n");
        /* the same group's line at activity act */
        const char *q = NULL;
        for (const char *r = strstr(log, "AN_GP 1 "); r && !q; r = strstr(r + 1, "AN_GP 1 ")) {
            int u = 0;
            if (sscanf(r, "AN_GP 1 %lf %lf %lf %n", &p1[0], &p1[1], &p1[2], &u) == 3 && u &&
                strncmp(r + u, path, k) == 0 && strchr("\r\n", r[u + k]))
                q = r;
        }
        if (!q) return 0;
        const group *g = find_group(gs, path, k);
        const double x = g && g->n ? g->sum / (double)g->n : mean;
        for (int i = 0; i < 3; i++) w[i] += p0[i] + x / act * (p1[i] - p0[i]);
        seen++;
    }
    w[3] = w[0] + w[1] + w[2];
    return seen > 0;
}
