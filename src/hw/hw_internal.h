/*
** Inside src/hw: what the synthesis driver's files share. Tools run as
** child processes (synth_tool.c), Yosys' stat and OpenSTA's log are parsed
** (synth_stat.c), the SRAM black boxes are modelled (synth_sram.c), the
** written netlist is read back for its hierarchy and flip-flops (netlist.c),
** a VCD becomes per-register switching activity (activity.c) and that the
** power of a workload (synth_power.c); synth_asic.c and synth_xc7.c are the
** two flows that synth.c runs.
**
** Contract: every function returns an_status (or a value with a stated
** "absent" result) and never prints.
*/
#ifndef ASICNN_HW_INTERNAL_H
#define ASICNN_HW_INTERNAL_H

#include "asicnn/hw.h"

#include <cjson/cJSON.h>

#define HW_PATHN 1024

/* ---- synth_tool.c ---- */

/* 1 when an executable called name is on PATH. */
int hw_on_path(const char *name);
/* dir/name into buf (HW_PATHN bytes). */
void hw_path(char *buf, const char *dir, const char *name);
/* Run argv with stdout and stderr into log, killed with its process group
** after timeout_s seconds; *secs gets the wall time. */
an_status hw_run_tool(char *const argv[], const char *log, int timeout_s, double *secs);

typedef struct hw_subst {
    const char *key, *val;
} hw_subst;
/* Copy template tpl to path, replacing every {KEY} of the table. */
an_status hw_fill(const char *tpl, const char *path, const hw_subst *sub, int nsub);
/* The whole file as a NUL-terminated malloc'd string. */
an_status hw_read_text(const char *path, char **t);

/* ---- synth_stat.c: Yosys `stat` and OpenSTA's log ---- */

/* The number after the first occurrence of key at or after from in text
** ("key: 12" or "key 12"); -1 when absent. */
double hw_num_after(const char *text, const char *from, const char *key);
/* Sum of the counts of the cell types whose names start with prefix in
** stat's section starting at from. */
long hw_sum_cells(const char *text, const char *from, const char *prefix);
/* Hierarchical instances in stat's design hierarchy (every instance below
** the top, counted as often as it is instantiated); 0 for a flat design. */
long hw_hier_instances(const char *text);
/* Per module of stat -liberty's hierarchy: instances in the design, the
** area of its own cells per instance (children excluded) and their
** product, largest first, as a JSON array; sums to the top's area. */
cJSON *hw_module_areas(const char *text);
/* The rest of the line after key (trimmed) into out; "" when absent. */
void hw_line_after(const char *text, const char *key, char *out, size_t n);

/* ---- synth_sram.c ---- */

/* The modelled SRAM and queue black boxes of chip c at mhz: JSON with
** per-buffer figures and the model's text; totals in the out arguments. */
cJSON *hw_sram_json(const an_npu_config *c, double mhz, double *area_um2, double *mw,
                    double *bram36);

/* ---- netlist.c: the Yosys netlist read back ---- */

typedef struct hw_netlist hw_netlist;
/* Read a netlist that Yosys' write_verilog wrote (one module per
** definition, one instance per statement). */
an_status hw_netlist_read(const char *path, hw_netlist **nl);
void hw_netlist_free(hw_netlist *nl);
/* The module of the instance at path below top ("a/b/c"; "" the top);
** NULL when no instance has that path. */
const char *hw_netlist_module_of(const hw_netlist *nl, const char *top, const char *path);
/* Calls fn for every flip-flop instance of the design below top (cells
** whose type starts with ff_prefix): its instance path ("a/b/_12_"), and
** its register bit as the RTL names it ("a.b.acc[3]": instance path in
** dots, then the Q net's name). Stops at the first nonzero return. */
typedef int (*hw_ff_fn)(void *ctx, const char *inst, const char *reg);
int hw_netlist_each_ff(const hw_netlist *nl, const char *top, const char *ff_prefix, hw_ff_fn fn,
                       void *ctx);

/* ---- activity.c: switching activity from a VCD ---- */

typedef struct hw_activity hw_activity;
/* Count the toggles of every bit in a VCD (a file or a FIFO) under scope
** (dotted, e.g. "TOP.an_npu"), from its first to its last timestamp, with
** clk_period time units a clock. */
an_status hw_activity_read(const char *vcd, const char *scope, hw_activity **a);
void hw_activity_free(hw_activity *a);
/* Clocks the VCD spans. */
double hw_activity_clocks(const hw_activity *a);
/* Toggles per clock of the register bit reg ("a.b.acc[3]", relative to the
** scope); -1 when the VCD has no such bit. */
double hw_activity_of(const hw_activity *a, const char *reg);

/* ---- the two flows (synth_asic.c, synth_xc7.c): fill j with the report ---- */

an_status hw_asic(const an_npu_config *c, const an_hw_synth_opts *o, const char *gen, int tmo,
                  cJSON *j);
an_status hw_xc7(const an_npu_config *c, const an_hw_synth_opts *o, const char *gen, int tmo,
                 cJSON *j);

/* ---- synth_power.c: power from simulated activity ---- */

typedef struct hw_groups hw_groups;
/* Match the trace vcd's register bits to the netlist's flip-flops (below
** top), group their toggles per clock by module instance, and write the
** OpenSTA script that reports every instance's power at activity 0 and act;
** *info gets the match's figures (JSON). */
an_status hw_power_prepare(const hw_netlist *nl, const char *top, const char *vcd,
                           const char *script, double act, hw_groups **g, cJSON **info);
/* The simulated power (internal, switching, leakage, total in W) from the
** script's lines in OpenSTA's log; 0 when they are missing. */
int hw_power_combine(const hw_groups *g, const char *log, double act, double w[4]);
void hw_groups_free(hw_groups *g);

#endif /* ASICNN_HW_INTERNAL_H */
