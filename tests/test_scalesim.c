/*
** SCALE-Sim v2 compatible mode: its published golden value (AlexNet Conv1
** on a 32x32 weight-stationary array: 112,283 cycles, 91.68% overall
** utilisation, 94.53% mapping efficiency, test/golden_trace of its
** repository) read from a topology CSV and config in its own formats, and
** LeNet-5 Conv1 on 16x16 in all three dataflows (values measured with v2).
*/
#include "asicnn/report.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include "leakcheck.h"

TestSuite(scalesim, .fini = leakcheck);

static char *fixture(const char *name) {
    char path[512], *text;
    size_t n;
    snprintf(path, sizeof path, "%s/fixtures/scalesim/%s", ASICNN_TEST_DIR, name);
    cr_assert_eq(an_read_file(path, 1 << 20, &text, &n), AN_OK, "%s", an_errmsg());
    return text;
}

Test(scalesim, alexnet_conv1_golden) {
    char *cfg = fixture("scale.cfg"), *topo = fixture("alexnet_conv1.csv");
    an_ss_config c;
    an_ss_layer *l;
    int n;
    cr_assert_eq(an_ss_config_parse(cfg, "scale.cfg", &c), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_ss_topology_parse(topo, "alexnet_conv1.csv", &l, &n), AN_OK, "%s", an_errmsg());
    cr_assert_eq(c.rows, 32);
    cr_assert_eq(c.cols, 32);
    cr_assert_eq(c.flow, AN_SS_WS);
    cr_assert_str_eq(c.run_name, "alexnet_conv1_ws32");
    cr_assert_eq(n, 1);
    an_ss_result r;
    cr_assert_eq(an_ss_layer_run(&c, &l[0], &r), AN_OK);
    cr_assert_eq(r.cycles, 112283);
    cr_assert_eq(r.stalls, 0);
    cr_assert_eq(r.folds, 36);
    cr_assert_eq(r.macs, 3025LL * 363 * 96);
    cr_assert(fabs(r.overall_util - 91.68) < 0.005, "%f", r.overall_util);
    cr_assert(fabs(r.mapping_eff - 94.53) < 0.005, "%f", r.mapping_eff);
    char path[] = "/tmp/asicnn-ss-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(an_ss_write_report(path, &r, 1), AN_OK);
    char *rep;
    size_t rn;
    cr_assert_eq(an_read_file(path, 1 << 20, &rep, &rn), AN_OK);
    cr_assert(strstr(rep, "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency "
                          "%, Compute Util %,\n0, 112283, 0, 91.68"),
              "%s", rep);
    free(rep);
    remove(path);
    free(l);
    free(cfg);
    free(topo);
}

Test(scalesim, lenet_three_dataflows) {
    char *topo = fixture("lenet.csv");
    an_ss_layer *l;
    int n;
    cr_assert_eq(an_ss_topology_parse(topo, "lenet.csv", &l, &n), AN_OK, "%s", an_errmsg());
    cr_assert_eq(n, 3);
    an_ss_config c = {.rows = 16, .cols = 16};
    an_ss_result r;
    const int64_t want[3] = {1659, 2694, 5095}; /* ws, os, is */
    for (int f = 0; f < 3; f++) {
        c.flow = (an_ss_flow)f;
        cr_assert_eq(an_ss_layer_run(&c, &l[0], &r), AN_OK);
        cr_assert_eq(r.cycles, want[f], "flow %d: %lld", f, (long long)r.cycles);
    }
    c.flow = AN_SS_WS;
    cr_assert_eq(an_ss_layer_run(&c, &l[2], &r), AN_OK);
    cr_assert_eq(r.cycles, 9399);
    free(l);
    free(topo);
}

Test(scalesim, rejects_bad_input) {
    an_ss_layer *l;
    int n;
    cr_assert_neq(an_ss_topology_parse("h\nConv1, 10, 10, 3,\n", "t", &l, &n), AN_OK);
    cr_assert(strstr(an_errmsg(), "t:2"), "%s", an_errmsg());
    cr_assert_neq(an_ss_topology_parse("h\nConv1, 2, 2, 3, 3, 1, 1, 1,\n", "t", &l, &n), AN_OK);
    an_ss_config c;
    cr_assert_neq(an_ss_config_parse("Dataflow: xs\n", "c", &c), AN_OK);
    cr_assert_neq(an_ss_config_parse("ArrayHeight: 0\n", "c", &c), AN_OK);
}
