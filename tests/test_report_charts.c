/*
** The report's and the sweep's gnuplot charts, read back as SVG: names
** print as written (no enhanced-text subscripts, quotes kept), the
** per-layer bars show busy cycles beside the stalls, the epoch axis of a
** training log ticks at whole epochs (one epoch included), and the
** confusion matrix is drawn as crisp cells, not a bitmap the browser
** scales. Skipped without gnuplot.
*/
#include "asicnn/report.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void need_gnuplot(void) {
    if (!an_plot_available()) cr_skip_test("gnuplot is not installed");
}

TestSuite(report_charts, .init = need_gnuplot, .fini = leakcheck);

/* Enhanced text draws `a_1` as a, then 1 shifted down in a smaller font:
** gnuplot's SVG moves the baseline with dy. Plain text never does. */
static int has_shifted_text(const char *svg) {
    return strstr(svg, " dy=\"") != NULL;
}

/* The text of the plot element whose key entry reads `key` (its legend sample
** included): from its group to the next plot's. */
static char *plot_group(const char *svg, const char *key) {
    char text[128];
    snprintf(text, sizeof text, ">%s<", key);
    const char *k = strstr(svg, text), *a = NULL;
    if (!k) return NULL;
    for (const char *p = svg; (p = strstr(p, "<g id=\"gnuplot_plot_")) && p < k; p++) a = p;
    if (!a) return NULL;
    const char *z = strstr(k, "<g id=\"gnuplot_plot_");
    const size_t n = z ? (size_t)(z - a) : strlen(a);
    char *g = malloc(n + 1);
    memcpy(g, a, n);
    g[n] = 0;
    return g;
}

/* Filled boxes in svg at least a pixel high (gnuplot draws some empty
** ones, a rounding high). */
static int boxes(const char *svg) {
    int n = 0;
    for (const char *p = svg; (p = strstr(p, "<polygon")); p++) {
        const char *q = strstr(p, "points = '");
        double x[4], y[4];
        if (q &&
            sscanf(q + 10, "%lf,%lf %lf,%lf %lf,%lf %lf,%lf", &x[0], &y[0], &x[1], &y[1], &x[2],
                   &y[2], &x[3], &y[3]) == 8 &&
            fabs(y[2] - y[0]) >= 1)
            n++;
    }
    return n;
}

static int count(const char *s, const char *what) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

/* Two layers whose three queues' stalls add up past their cycles, as on the
** chip (each queue waits on its own), on a chip of this name. */
typedef struct layers_fixture {
    an_profile p;
    an_npu_exe x;
    an_perf perf[3];
    an_npu_layer layer[2];
} layers_fixture;

static void layers_fixture_init(layers_fixture *f, const char *chip) {
    memset(f, 0, sizeof *f);
    cr_assert_eq(an_npu_config_get("npu16", &f->p.cfg), AN_OK);
    snprintf(f->p.cfg.name, sizeof f->p.cfg.name, "%s", chip);
    snprintf(f->layer[0].name, sizeof f->layer[0].name, "conv2d_1");
    snprintf(f->layer[1].name, sizeof f->layer[1].name, "dense_2");
    f->perf[0] = (an_perf){.cycles = 1000, .busy = 2000, .macs = 100000, .dram_bus = 5000};
    f->perf[0].stall[AN_STALL_COMPUTE] = 900;
    f->perf[0].stall[AN_STALL_LOAD] = 300;
    f->perf[1] = (an_perf){.cycles = 300, .busy = 400, .macs = 640, .dram_bus = 1300};
    f->perf[1].stall[AN_STALL_FETCH] = 500;
    f->p.layer = f->perf;
    f->p.n_layers = 2;
    f->x.layers = f->layer;
    f->x.n_layers = 2;
}

Test(report_charts, layer_and_chip_names_print_as_written) {
    layers_fixture f;
    layers_fixture_init(&f, "my_chip's"); /* an underscore and a quote */
    char *svg = NULL;
    cr_assert_eq(an_chart_layers(&f.p, &f.x, &svg), AN_OK, "%s", an_errmsg());
    cr_assert(strstr(svg, ">conv2d_1<") && strstr(svg, ">dense_2<"),
              "layer names not printed as written");
    cr_assert(strstr(svg, "my_chip"), "chip name not in the title");
    cr_assert(!has_shifted_text(svg), "enhanced text: sub- or superscripts in the chart");
    free(svg);
    svg = NULL;
    cr_assert_eq(an_chart_roofline(&f.p, &f.x, &svg), AN_OK, "%s", an_errmsg());
    cr_assert(strstr(svg, ">conv2d_1<"), "roofline point labels not as written");
    cr_assert(!has_shifted_text(svg), "enhanced text in the roofline");
    free(svg);
}

Test(report_charts, layer_bars_show_busy_and_stalls) {
    layers_fixture f;
    layers_fixture_init(&f, "npu16");
    char *svg = NULL;
    cr_assert_eq(an_chart_layers(&f.p, &f.x, &svg), AN_OK, "%s", an_errmsg());
    /* a filled box per layer, plus the legend's sample */
    char *busy = plot_group(svg, "busy");
    cr_assert(busy, "no busy series");
    cr_assert_eq(boxes(busy), 1 + 2, "busy boxes: %d, want one per layer and the key", boxes(busy));
    char *fetch = plot_group(svg, "stall: fetch");
    cr_assert(fetch, "no fetch stall series");
    cr_assert_eq(boxes(fetch), 1 + 1, "fetch stall boxes: %d, only dense_2 has some", boxes(fetch));
    free(fetch);
    free(busy);
    free(svg);
}

/* The chart of a training log of these lines
 * (epoch,loss,acc,val_loss,val_acc,...). */
static char *training_svg(const char *lines) {
    char path[] = "/tmp/asicnn-test-log-XXXXXX";
    const int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "epoch,loss,acc,val_loss,val_acc,seconds,images_per_s\n%s", lines);
    fclose(f);
    char *svg = NULL;
    const an_status s = an_chart_training(path, &svg);
    unlink(path);
    cr_assert_eq(s, AN_OK, "%s", an_errmsg());
    return svg;
}

/* A tick label (plain text) of exactly this value. */
static int has_tick(const char *svg, const char *label) {
    char a[32], b[32];
    snprintf(a, sizeof a, ">%s<", label);
    snprintf(b, sizeof b, "> %s<", label);
    return strstr(svg, a) || strstr(svg, b);
}

Test(report_charts, one_epoch_gets_an_integer_axis) {
    char *svg = training_svg("1,0.4,0.81,0.45,0.83,1.9,160\n");
    cr_assert(has_tick(svg, "1"), "no tick at epoch 1");
    const char *fractions[] = {"0.99", "0.995", "1.005", "1.01", "0.5", "1.5"};
    for (size_t i = 0; i < sizeof fractions / sizeof *fractions; i++)
        cr_assert(!has_tick(svg, fractions[i]), "a tick at epoch %s", fractions[i]);
    free(svg);
}

Test(report_charts, epochs_tick_at_whole_numbers) {
    char *svg = training_svg("1,0.45,0.81,0.44,0.82,1.9,160\n2,0.41,0.84,0.42,0.83,1.8,170\n"
                             "3,0.37,0.86,0.40,0.84,1.8,170\n");
    cr_assert(has_tick(svg, "1") && has_tick(svg, "2") && has_tick(svg, "3"), "epoch ticks");
    cr_assert(!has_tick(svg, "1.5") && !has_tick(svg, "2.5"), "a tick between epochs");
    free(svg);
}

Test(report_charts, confusion_matrix_is_crisp_cells) {
    const int64_t conf[9] = {8, 1, 1, 0, 9, 1, 2, 0, 8};
    char *svg = NULL;
    cr_assert_eq(an_chart_confusion(conf, 3, &svg), AN_OK, "%s", an_errmsg());
    cr_assert(!strstr(svg, "<image"), "drawn as a bitmap the browser scales (blurred)");
    /* nine cells, each its own filled shape */
    cr_assert_geq(count(svg, "<polygon"), 9, "cells: %d polygons", count(svg, "<polygon"));
    cr_assert(!has_shifted_text(svg));
    free(svg);
}

Test(report_charts, pareto_chart_is_plain_text) {
    an_sweep_point pts[3];
    memset(pts, 0, sizeof pts);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(an_npu_config_get("npu16", &pts[i].cfg), AN_OK);
        pts[i].cfg.rows = pts[i].cfg.cols = 4 << (2 * i);
        pts[i].area_mm2 = 0.5 * (i + 1) * (i + 1);
        pts[i].latency_us = 100.0 / (i + 1);
        pts[i].pareto = 1;
    }
    char *svg = NULL;
    cr_assert_eq(an_chart_pareto(pts, 3, &svg), AN_OK, "%s", an_errmsg());
    cr_assert(strstr(svg, ">4x4<") && strstr(svg, ">64x64<"), "point labels");
    cr_assert(strstr(svg, "mm\xc2\xb2"), "the area's unit");
    cr_assert(!has_shifted_text(svg), "enhanced text in the sweep chart");
    free(svg);
}
