/*
** asicnn report: the whole comparison as one self-contained HTML page
** (DIR/index.html) with gnuplot charts inlined as SVG: comparison bars,
** per-layer utilisation and stalls, the roofline, the sweep's Pareto
** front, training curves, float vs int8 accuracy and the confusion matrix;
** the comparison and sweep CSVs beside it.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/report.h"
#include "asicnn/runtime.h"

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>

static const char USAGE[] =
    "usage: asicnn report --q8 model.q8 [--ckpt model.ckpt] DATA [-o DIR] [--chip NAME]\n"
    "                     [--batch N] [--synth DIR]\n"
    "\n"
    "Run asicnn compare, profile the chip, sweep 5 square array sizes (4..64), and write\n"
    "DIR/index.html (default report/): one page, no external files, every chart inline\n"
    "SVG made by gnuplot, plus DIR/compare.csv and DIR/sweep.csv. Training curves come\n"
    "from CKPT.log.csv, written by asicnn train. Needs gnuplot for the charts.\n";

typedef struct report_args {
    const char *q8, *ckpt, *data, *dir, *chip, *synth;
    int batch;
    cli_data given; /* CSV options over the .q8's */
} report_args;

static int parse(int argc, char **argv, report_args *a) {
    *a = (report_args){.dir = "report", .chip = "npu16", .synth = "out", .batch = 64};
    const cli_opt_def opts[] = {
        {.name = "--q8",
         .kind = CLI_STR,
         .dst = &a->q8,
         .meta = "model.q8",
         .help = "the int8 graph (required)"},
        {.name = "--ckpt",
         .kind = CLI_STR,
         .dst = &a->ckpt,
         .meta = "model.ckpt",
         .help = "the float checkpoint: float accuracy and training curves"},
        {.name = "-o",
         .kind = CLI_STR,
         .dst = &a->dir,
         .meta = "DIR",
         .help = "the report's directory (default report)"},
        {.name = "--chip",
         .kind = CLI_STR,
         .dst = &a->chip,
         .meta = "NAME|FILE",
         .help = "the chip (default npu16)"},
        {.name = "--batch",
         .kind = CLI_INT,
         .dst = &a->batch,
         .lo = 1,
         .hi = 4096,
         .meta = "N",
         .help = "throughput batch (default 64)"},
        {.name = "--synth",
         .kind = CLI_STR,
         .dst = &a->synth,
         .meta = "DIR",
         .help = "synthesis reports (default out/)"},
        CLI_DATA_OPTS(&a->given),
        {0}};
    const cli_cmd_spec spec = {
        .cmd = "report", .usage = USAGE, .opts = opts, .pos = &a->data, .max_pos = 1};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc;
    if (!a->q8 || !a->data) return cli_usage("report", "needs --q8 model.q8 and DATA");
    a->chip = cli_chip_arg(a->chip);
    return 0;
}

enum { S_CMP, S_ACC, S_LAYERS, S_ROOF, S_PARETO, S_TRAIN, S_CONF, S_COUNT };

typedef struct report_state {
    an_q_graph g;
    an_dataset ds;
    an_cmp cmp;
    an_npu_exe x;
    int have_x;
    an_profile pr;
    int have_pr;
    an_q_eval ev;
    an_sweep_point pts[5];
    char *svg[S_COUNT];
    char why[S_COUNT][200];
} report_state;

/* A chart's status: kept as the section's "why" when it failed. */
static void chart(report_state *st, int k, an_status s) {
    if (s) snprintf(st->why[k], sizeof st->why[k], "%s", an_errmsg());
}

static an_status build(const report_args *a, report_state *st) {
    an_cmp_opts o = an_cmp_defaults();
    o.chip = a->chip, o.ckpt = a->ckpt, o.synth_dir = a->synth, o.batch = a->batch;
    an_npu_config cfg;
    an_synth sy;
    char path[1024];
    an_status s = cli_kind_check(an_q8_load(a->q8, &st->g), a->q8, CLI_KIND_Q8);
    an_csv_options csv; /* the CSV options the .q8 recorded, under the given ones */
    if (!s) s = cli_data_csv(&a->given, st->g.data_opts, a->q8, &csv, NULL);
    if (!s)
        s = cli_load_data(a->data, AN_SPLIT_TEST, &csv, cli_q_features(&st->g),
                          st->g.layers[st->g.n_layers - 1].c, &st->ds);
    if (!s) s = an_npu_config_get(a->chip, &cfg);
    if (!s) s = an_synth_load(a->synth, &sy);
    if (s) return s;
    printf("report: comparing targets...\n");
    fflush(stdout);
    cli_ort_env();
    if ((s = an_compare(&st->g, &st->ds, &o, &st->cmp))) return s;
    an_cmp_write(&st->cmp, stdout, AN_FMT_TEXT);
    snprintf(path, sizeof path, "%s/compare.csv", a->dir);
    an_afile f;
    if ((s = an_afile_open(&f, path))) return s;
    an_cmp_write(&st->cmp, f.fp, AN_FMT_CSV);
    if ((s = an_afile_commit(&f))) return s;
    printf("report: profiling %s, sweeping 5 array sizes, drawing charts...\n", cfg.name);
    fflush(stdout);
    an_npu_compile_opts co = an_npu_compile_defaults();
    if (!(s = an_npu_compile(&st->g, &cfg, &co, NULL, 0, &st->x, NULL))) {
        st->have_x = 1;
        /* the whole profile (the simulator's), energy at LPDDR4 */
        if (!(s = an_backend_profile_any(&st->x, NULL, NULL, &st->pr))) st->have_pr = 1;
    }
    if (s) return s;
    const an_sweep_grid gr = {.rows = {4, 8, 16, 32, 64}, .n_rows = 5};
    const an_area_model am = an_area_default(&sy);
    if ((s = an_sweep_run(&st->g, &cfg, &gr, &am, 8, 0, 5, st->pts))) return s;
    an_sweep_pareto(st->pts, 5);
    snprintf(path, sizeof path, "%s/sweep.csv", a->dir);
    if ((s = an_sweep_write_csv(path, st->pts, 5))) return s;
    if ((s = an_q_evaluate(&st->g, &st->ds, AN_Q_IMPL_FAST, AN_Q_IMPL_COUNT, 256, &st->ev)))
        return s;
    chart(st, S_CMP, an_chart_compare(&st->cmp, &st->svg[S_CMP]));
    const double fl = a->ckpt ? st->cmp.rows[0].accuracy : -1;
    if (a->ckpt)
        chart(st, S_ACC, an_chart_accuracy(fl, 100.0 * st->ev.correct / st->ev.n, &st->svg[S_ACC]));
    else
        snprintf(st->why[S_ACC], sizeof st->why[S_ACC], "no --ckpt: no float model to compare");
    chart(st, S_LAYERS, an_chart_layers(&st->pr, &st->x, &st->svg[S_LAYERS]));
    chart(st, S_ROOF, an_chart_roofline(&st->pr, &st->x, &st->svg[S_ROOF]));
    chart(st, S_PARETO, an_chart_pareto(st->pts, 5, &st->svg[S_PARETO]));
    if (a->ckpt) {
        snprintf(path, sizeof path, "%s.log.csv", a->ckpt);
        chart(st, S_TRAIN, an_chart_training(path, &st->svg[S_TRAIN]));
    } else {
        snprintf(st->why[S_TRAIN], sizeof st->why[S_TRAIN], "no --ckpt: no training log");
    }
    chart(st, S_CONF, an_chart_confusion(st->ev.confusion, st->ev.classes, &st->svg[S_CONF]));
    return AN_OK;
}

static an_status write_page(const report_args *a, report_state *st, int *charts) {
    static const char *const TITLE[S_COUNT] = {"Latency and energy per image",
                                               "Float vs int8 accuracy",
                                               "Per-layer cycles on the chip",
                                               "Roofline",
                                               "Array-size sweep",
                                               "Training curves",
                                               "Confusion matrix (int8)"};
    static const char *const TEXT[S_COUNT] = {
        "Blue bars are measured on this machine, orange ones modelled; see the sources above.",
        "Test accuracy of the float checkpoint and of the int8 graph (fast path).",
        "Each layer's cycles split in proportion to its queues' busy cycles and stall cycles "
        "by cause (the load, compute and store queues run at once, so their own sums, in "
        "asicnn profile --csv, pass the layer's cycles), with the array utilisation on the "
        "right axis.",
        "Each layer at its operational intensity (ops per DRAM byte) and attained ops/cycle "
        "under the chip's compute and DRAM roofs.",
        "Square arrays 4x4 to 64x64 with the rest of the chip fixed: latency against modelled "
        "area; the Pareto front is over latency, energy and area (sweep.csv).",
        "Loss and accuracy per epoch from the log asicnn train writes beside the checkpoint.",
        "Rows are true classes, columns predictions; shading is the row-normalised rate."};
    an_html_section sec[S_COUNT];
    *charts = 0;
    for (int k = 0; k < S_COUNT; k++) {
        sec[k] = (an_html_section){TITLE[k], TEXT[k], st->svg[k], st->why[k]};
        *charts += st->svg[k] != NULL;
    }
    char path[1024], title[400];
    snprintf(path, sizeof path, "%s/index.html", a->dir);
    snprintf(title, sizeof title, "asicnn report: %.300s", a->q8);
    return an_html_write(path, title, &st->cmp, sec, S_COUNT);
}

int cmd_report(int argc, char **argv) {
    report_args a;
    const int rc = parse(argc, argv, &a);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    char made[1024];
    an_status s = cli_output_dir(a.dir, made, sizeof made);
    if (s) return cli_error(s);
    report_state *st = calloc(1, sizeof *st);
    if (!st) return cli_error(an_fail(AN_ERR_NOMEM, "report"));
    int charts = 0;
    const double t0 = an_now();
    s = build(&a, st);
    if (!s) s = write_page(&a, st, &charts);
    if (!s) {
        printf("wrote %s/index.html (%d of %d charts, %.1f s)", a.dir, charts, S_COUNT,
               an_now() - t0);
        printf(charts < S_COUNT ? "; missing:" : "\n");
        for (int k = 0; k < S_COUNT && charts < S_COUNT; k++)
            if (!st->svg[k]) printf(" [%s]", st->why[k]);
        if (charts < S_COUNT) printf("\n");
    }
    for (int k = 0; k < S_COUNT; k++) free(st->svg[k]);
    an_q_eval_free(&st->ev);
    if (st->have_pr) an_profile_free(&st->pr);
    if (st->have_x) an_npu_exe_free(&st->x);
    an_dataset_free(&st->ds);
    an_q_graph_free(&st->g);
    free(st);
    if (s) cli_remove_created(made); /* a directory it made, with what went in */
    return s ? cli_error(s) : 0;
}
