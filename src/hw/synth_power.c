/*
** Power from simulated activity (docs/energy.md): the toggles per clock of
** every register bit in a trace of the rtl backend become OpenSTA pin
** activities on the flip-flops of the synthesized netlist that hold that
** bit (matched by the register names Yosys keeps on their Q nets), and the
** inputs' mean toggle rate the input activity. OpenSTA propagates from
** there through the combinational logic; flip-flops without a counterpart
** in the trace (renamed by synthesis) get OpenSTA's own D-to-Q estimate.
**
** Contract: writes the work directory's activity script and returns the
** figures of the match as JSON; an_status naming the trace or the script
** on failure; never prints.
*/
#include "hw_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct match {
    FILE *f;
    const hw_activity *a;
    long total, matched;
    double sum;
} match;

static int one_ff(void *ctx, const char *inst, const char *reg) {
    match *m = ctx;
    const double a = hw_activity_of(m->a, reg);
    m->total++;
    if (a < 0) return 0;
    m->matched++;
    m->sum += a;
    /* braces: brackets in instance names stay literal */
    fprintf(m->f, "an_act {%s/Q} %.6g\n", inst, a);
    return 0;
}

an_status hw_power_script(const hw_netlist *nl, const char *top, const char *vcd, const char *path,
                          cJSON **info) {
    *info = NULL;
    hw_activity *a = NULL;
    an_status s = hw_activity_read(vcd, "TOP.an_npu", &a);
    if (s) return s;
    FILE *f = fopen(path, "w");
    if (!f) {
        hw_activity_free(a);
        return an_fail(AN_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    fprintf(f,
            "# simulated switching activity from %s (asicnn synth --vcd)\n"
            "set an_set 0\n"
            "proc an_act {path a} {\n"
            "    set p [sta::find_pin $path]\n"
            "    if {$p == \"\" || $p == \"NULL\"} { return }\n"
            "    sta::set_power_pin_activity $p $a 0.5\n"
            "    incr ::an_set\n"
            "}\n",
            vcd);
    match m = {f, a, 0, 0, 0};
    hw_netlist_each_ff(nl, top, "DFF", one_ff, &m);
    const double mean = m.matched ? m.sum / (double)m.matched : 0;
    fprintf(f,
            "set_power_activity -input -activity %.6g\n"
            "puts \"AN_SIM_PINS $an_set\"\n"
            "puts \"AN_POWER simulated\"\n"
            "report_power -digits 6\n",
            hw_activity_in_mean(a));
    const int bad = fclose(f) != 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "trace", vcd);
    cJSON_AddNumberToObject(o, "clocks", hw_activity_clocks(a));
    cJSON_AddNumberToObject(o, "flip_flops", (double)m.total);
    cJSON_AddNumberToObject(o, "flip_flops_matched", (double)m.matched);
    cJSON_AddNumberToObject(o, "mean_ff_activity", mean);
    cJSON_AddNumberToObject(o, "input_activity", hw_activity_in_mean(a));
    hw_activity_free(a);
    if (bad) {
        cJSON_Delete(o);
        return an_fail(AN_ERR_IO, "%s: write failed", path);
    }
    if (m.matched == 0) {
        cJSON_Delete(o);
        return an_fail(AN_ERR_FORMAT,
                       "%s: none of the netlist's %ld flip-flops has a register of that name in "
                       "the trace (a trace of another chip or RTL?)",
                       vcd, m.total);
    }
    *info = o;
    return AN_OK;
}
