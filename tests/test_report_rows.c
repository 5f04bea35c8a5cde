/*
** The comparison's hardware rows (src/report/cmp_chip.c) against figures
** computed here from the simulator's own profile: latency = cycles at
** batch 1 / clock, throughput = B / (cycles at batch B / clock), energy per
** image from the energy model at the row's node; with a synthesis report
** for the array, a row at the report's node (its Fmax and area) and one
** scaled to the config's node (clock x report nm / config nm, area x
** (config nm / report nm)^2); without one, the config's clock and the area
** model; the FPGA row's 2 W x latency.
*/
#include "asicnn/report.h"
#include "asicnn/runtime.h"
#include "test_quant_util.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(report_rows, .fini = leakcheck);

/* conv + max pool + dense on a 3-channel 8x8 input. */
static void graph(an_q_graph *g) {
    an_rng r;
    an_rng_seed(&r, 7, 1);
    tq_graph(g, 3, 8, 8, 2, 0.05f, 3);
    tq_conv(g, 0, 4, 3, 1, 1, 1, &r);
    tq_pool(g, AN_Q_MAXPOOL, 1, 2, 2, 0);
    tq_dense(g, 2, 5, 0, &r);
}

/* Cycles and energy (pJ) of one batch of g compiled for c at batch B, on
** the simulator named directly. */
static void want(const an_q_graph *g, const an_npu_config *c, int B, double *cycles, double *pj) {
    an_npu_compile_opts co = an_npu_compile_defaults();
    co.batch = B;
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(g, c, &co, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    an_profile p;
    cr_assert_eq(an_backend_profile(AN_BACKEND_SIM, &x, NULL, NULL, &p), AN_OK, "%s", an_errmsg());
    *cycles = (double)p.cycles;
    *pj = an_perf_energy(&p.total);
    an_profile_free(&p);
    an_npu_exe_free(&x);
}

#define NEAR(a, b) cr_assert_float_eq(a, b, 1e-9 * (1 + (b > 0 ? b : -b)), "%s", #a)

Test(report_rows, asic_rows_at_the_report_node_and_scaled) {
    an_q_graph g;
    graph(&g);
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    char dir[] = "/tmp/asicnn-rows-XXXXXX", path[300];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/synth_asic.json", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "{\"rows\": 16, \"cols\": 16, \"area_um2\": 2500000, \"fmax_mhz\": 250.0}\n");
    fclose(f);
    an_cmp_opts o = an_cmp_defaults();
    o.batch = 4;
    o.synth_dir = dir;
    an_cmp_row r[2];
    int n = 0;
    cr_assert_eq(an_cmp_asic(&g, &c, &o, r, &n), AN_OK, "%s", an_errmsg());
    cr_assert_eq(n, 2);
    /* row 1: the report's 180 nm, its 250 MHz and 2.5 mm^2 */
    an_npu_config at = c;
    at.tech_nm = 180;
    double c1, cb, e1, eb;
    want(&g, &at, 1, &c1, &e1);
    want(&g, &at, 4, &cb, &eb);
    cr_assert_str_eq(r[0].target, "ASIC npu16 180nm");
    cr_assert_eq(r[0].measured, 0);
    NEAR(r[0].clock_mhz, 250.0);
    NEAR(r[0].latency_us, c1 / 250.0);
    NEAR(r[0].throughput, 4.0 / (cb / 250.0) * 1e6);
    NEAR(r[0].area_mm2, 2.5);
    NEAR(r[0].energy_uj, e1 / 1e6);
    /* row 2: scaled to the config's 28 nm */
    const double mhz = 250.0 * 180.0 / 28.0;
    want(&g, &c, 1, &c1, &e1);
    want(&g, &c, 4, &cb, &eb);
    cr_assert_str_eq(r[1].target, "ASIC npu16 28nm");
    NEAR(r[1].clock_mhz, mhz);
    NEAR(r[1].latency_us, c1 / mhz);
    NEAR(r[1].throughput, 4.0 / (cb / mhz) * 1e6);
    NEAR(r[1].area_mm2, 2.5 * (28.0 / 180.0) * (28.0 / 180.0));
    NEAR(r[1].energy_uj, e1 / 1e6);
    cr_assert(r[1].energy_uj < r[0].energy_uj, "a smaller node spends less");
    /* a report for another array: one row, the config's clock and the area model */
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "{\"rows\": 8, \"cols\": 8, \"area_um2\": 2500000, \"fmax_mhz\": 250.0}\n");
    fclose(f);
    cr_assert_eq(an_cmp_asic(&g, &c, &o, r, &n), AN_OK, "%s", an_errmsg());
    cr_assert_eq(n, 1);
    an_synth sy;
    cr_assert_eq(an_synth_load(dir, &sy), AN_OK);
    const an_area_model am = an_area_default(&sy);
    NEAR(r[0].clock_mhz, c.clock_mhz);
    NEAR(r[0].latency_us, c1 / c.clock_mhz);
    NEAR(r[0].throughput, 4.0 / (cb / c.clock_mhz) * 1e6);
    NEAR(r[0].area_mm2, an_area_mm2(&am, &c));
    NEAR(r[0].energy_uj, e1 / 1e6);
    cr_assert(strstr(r[0].source, "report is for another array"), "%s", r[0].source);
    unlink(path);
    cr_assert_eq(rmdir(dir), 0);
    an_q_graph_free(&g);
}

Test(report_rows, fpga_row_two_watts_times_latency) {
    an_q_graph g;
    graph(&g);
    an_npu_config c;
    cr_assert_eq(an_cmp_fpga_config(NULL, &c), AN_OK);
    cr_assert_str_eq(c.name, "pynq-8x16");
    cr_assert(c.rows == 8 && c.cols == 16);
    an_cmp_opts o = an_cmp_defaults();
    o.batch = 2;
    o.synth_dir = "/nonexistent-synth-dir"; /* no report: estimated resources */
    an_cmp_row r;
    cr_assert_eq(an_cmp_fpga(&g, &c, &o, &r), AN_OK, "%s", an_errmsg());
    double c1, cb, e1, eb;
    want(&g, &c, 1, &c1, &e1);
    want(&g, &c, 2, &cb, &eb);
    cr_assert_str_eq(r.target, "FPGA xc7z020");
    NEAR(r.clock_mhz, c.clock_mhz);
    NEAR(r.latency_us, c1 / c.clock_mhz);
    NEAR(r.throughput, 2.0 / (cb / c.clock_mhz) * 1e6);
    NEAR(r.energy_uj, 2.0 * c1 / c.clock_mhz);
    cr_assert(strstr(r.extra, " fits"), "%s", r.extra);
    an_q_graph_free(&g);
}
