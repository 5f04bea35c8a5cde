/*
** The synthesis driver's readers on small hand-written inputs: a VCD's
** toggles per clock by register name (x neither counts nor resets, the
** first value is no toggle, vectors and scalars), a
** Yosys netlist's hierarchy and flip-flops with escaped names, stat's
** per-module areas summing to the top's area, and a malformed trace
** refused naming the file.
*/
#include "hw/hw_internal.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *write_tmp(const char *name, const char *text) {
    static char path[3][256];
    static int k;
    char *p = path[k++ % 3];
    snprintf(p, 256, "/tmp/asicnn_test_%d_%s", (int)getpid(), name);
    FILE *f = fopen(p, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
    return p;
}

/* 4 clocks; r toggles bit 0 every clock, bit 1 once, bit 3 never (x then
** 1 then x then 1: no 0-1 change); s (scalar, in a sub-scope) twice. */
static const char VCD[] = "$scope module TOP $end\n"
                          " $var wire 1 ! clk $end\n"
                          " $var wire 2 & din [1:0] $end\n"
                          " $scope module an_npu $end\n"
                          "  $var wire 1 ! clk $end\n"
                          "  $var wire 4 # r [3:0] $end\n"
                          "  $scope module u $end\n"
                          "   $var wire 1 $ s $end\n"
                          "  $upscope $end\n"
                          " $upscope $end\n"
                          "$upscope $end\n"
                          "$enddefinitions $end\n"
                          "#0\n0!\nbx000 #\n0$\nb00 &\n"
                          "#1\n1!\nb1001 #\n1$\n"
                          "#2\n0!\n"
                          "#3\n1!\nbx010 #\nb11 &\n"
                          "#4\n0!\n"
                          "#5\n1!\nb1011 #\n0$\n"
                          "#6\n0!\n"
                          "#7\n1!\nb1010 #\n";

Test(hw_synth, vcd_toggles_per_clock) {
    hw_activity *a = NULL;
    const char *p = write_tmp("a.vcd", VCD);
    cr_assert_eq(hw_activity_read(p, "TOP.an_npu", &a), AN_OK);
    remove(p);
    cr_assert_float_eq(hw_activity_clocks(a), 4, 1e-9);
    cr_assert_float_eq(hw_activity_of(a, "r[0]"), 4.0 / 4, 1e-9);
    cr_assert_float_eq(hw_activity_of(a, "r[1]"), 1.0 / 4, 1e-9);
    cr_assert_float_eq(hw_activity_of(a, "r[2]"), 0, 1e-9);
    cr_assert_float_eq(hw_activity_of(a, "r[3]"), 0, 1e-9);
    cr_assert_float_eq(hw_activity_of(a, "u.s"), 2.0 / 4, 1e-9);
    cr_assert_eq(hw_activity_of(a, "r[4]"), -1);
    cr_assert_eq(hw_activity_of(a, "q[0]"), -1);
    hw_activity_free(a);
}

Test(hw_synth, vcd_malformed_is_an_error) {
    hw_activity *a = NULL;
    const char *p = write_tmp("b.vcd", "not a trace\n");
    const an_status s = hw_activity_read(p, "TOP.an_npu", &a);
    remove(p);
    cr_assert_eq(s, AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), p), "%s", an_errmsg());
    cr_assert_null(a);
}

static const char NETLIST[] = "module an_pe(clk, a);\n"
                              "  input clk;\n"
                              "  wire _0_;\n"
                              "  DFFPOSX1 _5_ (\n"
                              "    .CLK(clk),\n"
                              "    .D(_0_),\n"
                              "    .Q(acc[3])\n"
                              "  );\n"
                              "  NAND2X1 _6_ (\n"
                              "    .A(a),\n"
                              "    .Y(_0_)\n"
                              "  );\n"
                              "endmodule\n"
                              "module \\$paramod\\an_array\\R=2 (clk);\n"
                              "  an_pe \\g_row[0].g_col[1].pe  (\n"
                              "    .clk(clk)\n"
                              "  );\n"
                              "  DFFPOSX1 _7_ (\n"
                              "    .CLK(clk),\n"
                              "    .Q(\\g_row[1].g_skew.sk[0] [2])\n"
                              "  );\n"
                              "endmodule\n"
                              "module an_npu(clk);\n"
                              "  \\$paramod\\an_array\\R=2  array (\n"
                              "    .clk(clk)\n"
                              "  );\n"
                              "  an_sram act_mem (\n"
                              "    .clk(clk)\n"
                              "  );\n"
                              "  assign x = y;\n"
                              "endmodule\n";

typedef struct seen {
    char inst[4][128], reg[4][128];
    int n;
} seen;

static int collect(void *ctx, const char *inst, const char *reg) {
    seen *s = ctx;
    cr_assert_lt(s->n, 4);
    snprintf(s->inst[s->n], 128, "%s", inst);
    snprintf(s->reg[s->n++], 128, "%s", reg);
    return 0;
}

Test(hw_synth, netlist_hierarchy_and_flip_flops) {
    hw_netlist *nl = NULL;
    const char *p = write_tmp("n.v", NETLIST);
    cr_assert_eq(hw_netlist_read(p, &nl), AN_OK);
    remove(p);
    seen s = {.n = 0};
    cr_assert_eq(hw_netlist_each_ff(nl, "an_npu", "DFF", collect, &s), 0);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.inst[0], "array/g_row[0].g_col[1].pe/_5_");
    cr_assert_str_eq(s.reg[0], "array.g_row[0].g_col[1].pe.acc[3]");
    cr_assert_str_eq(s.inst[1], "array/_7_");
    cr_assert_str_eq(s.reg[1], "array.g_row[1].g_skew.sk[0][2]");
    cr_assert_str_eq(hw_netlist_module_of(nl, "an_npu", ""), "an_npu");
    cr_assert_str_eq(hw_netlist_module_of(nl, "an_npu", "array/g_row[0].g_col[1].pe"), "an_pe");
    cr_assert_str_eq(hw_netlist_module_of(nl, "an_npu", "act_mem"), "an_sram");
    cr_assert_null(hw_netlist_module_of(nl, "an_npu", "nothing"));
    hw_netlist_free(nl);
}

static const char STAT[] = "=== $paramod\\an_array\\R=2 ===\n"
                           "   Number of cells:                 3\n"
                           "   Chip area for module '$paramod\\an_array\\R=2': 100.000000\n"
                           "=== an_npu ===\n"
                           "   Number of cells:                 5\n"
                           "   Chip area for module '\\an_npu': 50.000000\n"
                           "=== an_pe ===\n"
                           "   Number of cells:                 2\n"
                           "   Chip area for module '\\an_pe': 10.000000\n"
                           "=== design hierarchy ===\n"
                           "\n"
                           "   an_npu                            1\n"
                           "     $paramod\\an_array\\R=2          2\n"
                           "       an_pe                         4\n"
                           "\n"
                           "   Number of cells:                22\n"
                           "   Chip area for top module '\\an_npu': 330.000000\n";

Test(hw_synth, module_areas_sum_to_the_top) {
    cJSON *m = hw_module_areas(STAT);
    cr_assert_eq(cJSON_GetArraySize(m), 3);
    double sum = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, m) sum += cJSON_GetObjectItem(e, "area_um2")->valuedouble;
    cr_assert_float_eq(sum, 330, 1e-9);
    const cJSON *first = cJSON_GetArrayItem(m, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(first, "module")->valuestring, "an_array");
    cr_assert_float_eq(cJSON_GetObjectItem(first, "instances")->valuedouble, 2, 1e-9);
    cr_assert_eq(hw_hier_instances(STAT), 2 + 8);
    cJSON_Delete(m);
}
