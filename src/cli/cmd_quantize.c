/*
** asicnn quantize CKPT DATA -o OUT.q8: calibrate on the first N training
** samples, quantize to an int8 graph, save it, then compare the float and
** int8 models on the test split (accuracy, agreement, per-layer SQNR).
** asicnn summary OUT.q8: its layers.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: asicnn quantize model.ckpt DATA -o model.q8 [options]\n"
    "\n"
    "Quantize a trained checkpoint to an int8 graph (TFLite int8 scheme: per-channel\n"
    "symmetric weights, per-tensor asymmetric activations, int32 biases, fixed-point\n"
    "requantization), calibrating activation ranges on DATA's training split, then\n"
    "compare float and int8 on the test split: accuracy, prediction agreement and\n"
    "per-layer SQNR. docs/quantization.md defines the integer semantics and the file.\n";

/* --calib: one of AN_CALIB_NAME. */
static int calib_opt(const cli_opt_def *def, const char *v, char *why, size_t cap) {
    for (int k = 0; k < AN_CALIB_COUNT; k++)
        if (strcmp(v, AN_CALIB_NAME[k]) == 0) {
            *(an_calib_method *)def->dst = (an_calib_method)k;
            return 0;
        }
    return -1;
}

/* --entropy-floor: 0 or a percentile in (50, 100]. */
static int floor_opt(const cli_opt_def *def, const char *v, char *why, size_t cap) {
    double d;
    if (cli_parse_f64(v, &d) || (d != 0 && !(d > 50 && d <= 100))) return -1;
    *(double *)def->dst = d;
    return 0;
}

static void print_layers(const an_q_graph *g, const an_q_compare *c) {
    printf("\n%-3s %-8s %-12s %-12s %-12s %11s %5s %8s\n", "#", "op", "layer", "float node",
           "output", "scale", "zp", "SQNR dB");
    for (int i = 0; i < g->n_layers; i++) {
        const an_q_layer *l = &g->layers[i];
        char shape[32];
        snprintf(shape, sizeof shape, "%dx%dx%d", l->h, l->w, l->c);
        printf("%-3d %-8s %-12s %-12s %-12s %11.6g %5d ", i, AN_Q_OP_NAME[l->op], l->name,
               l->float_node, shape, (double)l->scale, l->zero_point);
        if (c && isfinite(c->sqnr_db[i]))
            printf("%8.2f\n", c->sqnr_db[i]);
        else
            printf("%8s\n", c ? "exact" : "-");
    }
}

int cmd_quantize(int argc, char **argv) {
    const char *pos[2], *out = NULL;
    int no_eval = 0;
    an_calib_opts co = an_calib_defaults();
    an_q_impl impl = AN_Q_IMPL_FAST;
    cli_data data = {0};
    const cli_opt_def opts[] = {
        {.name = "-o",
         .kind = CLI_STR,
         .dst = &out,
         .meta = "FILE",
         .help = "the .q8 file to write (atomically)"},
        {.name = "--calib",
         .kind = CLI_FN,
         .dst = &co.method,
         .fn = calib_opt,
         .meta = "METHOD",
         .takes = "min-max, percentile or entropy",
         .help = "min-max (default), percentile or entropy"},
        {.name = "--calib-images",
         .kind = CLI_I64,
         .dst = &co.images,
         .lo = 0,
         .hi = CLI_NO_MAX,
         .meta = "N",
         .help = "calibration samples, the first N of the training split\n(default 1000; 0 = all)"},
        {.name = "--percentile",
         .kind = CLI_F64,
         .dst = &co.percentile,
         .lo = 50,
         .hi = 100,
         .open = CLI_OPEN_LO,
         .meta = "P",
         .help = "percentile method's cut, in (50, 100] (default 99.99)"},
        {.name = "--entropy-floor",
         .kind = CLI_FN,
         .dst = &co.entropy_floor,
         .fn = floor_opt,
         .meta = "P",
         .takes = "0 or a number in (50, 100]",
         .help = "entropy never clips below this percentile (default 99.9;\n"
                 "0 = pure KL divergence)"},
        {.name = "--calib-bins",
         .kind = CLI_INT,
         .dst = &co.bins,
         .lo = 256,
         .hi = 1 << 20,
         .meta = "N",
         .help = "histogram bins of percentile and entropy (default 2048)"},
        {.name = "--calib-ma",
         .kind = CLI_F64,
         .dst = &co.ma,
         .lo = 0,
         .hi = 1,
         .meta = "C",
         .help = "min-max with a moving average of per-batch extremes (0..1)"},
        {.name = "--no-eval",
         .kind = CLI_FLAG,
         .dst = &no_eval,
         .help = "skip the float vs int8 comparison"},
        {.name = "--engine",
         .kind = CLI_FN,
         .dst = &impl,
         .fn = cli_engine_opt,
         .meta = "E",
         .takes = "fast or reference",
         .help = "int8 engine for the comparison: fast (default), reference"},
        CLI_DATA_OPTS(&data),
        {0}};
    const cli_cmd_spec spec = {.cmd = "quantize",
                               .usage = USAGE,
                               .opts = opts,
                               .pos = pos,
                               .min_pos = 2,
                               .max_pos = 2,
                               .needs = "needs model.ckpt and DATA"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    if (!cli_ends_with(out, ".q8"))
        return cli_usage("quantize", "-o %s: an int8 graph is a .q8 file", out);
    an_status s0 = cli_check_output(out);
    if (s0) return cli_error(s0);

    an_model m;
    an_norm norm = {0};
    an_dataset train = {0}, calib = {0}, raw = {0}, test = {0};
    an_calib_range *ranges = NULL;
    an_q_graph g = {0};
    an_q_compare c = {0};
    an_csv_options csv;
    char csv_text[AN_CSV_OPTS_MAX];
    an_status s = cli_load_ckpt_data(pos[0], &data, &m, &norm, &csv, csv_text);
    if (s) return cli_error(s);
    const int classes = m.nodes[m.output].c;
    if (!(s = cli_load_data(pos[1], AN_SPLIT_TRAIN, &csv, an_node_size(&m.nodes[0]), classes,
                            &train))) {
        int64_t n = co.images > 0 && co.images < train.n ? co.images : train.n;
        s = an_data_slice(&train, 0, n, &calib);
        an_dataset_free(&train);
        if (!s) s = an_norm_apply(&norm, &calib);
    }
    if (!s) s = an_alloc_array((void **)&ranges, (size_t)m.n_nodes, sizeof *ranges, "ranges");
    double t0 = an_now();
    if (!s) s = an_calibrate(&m, &calib, &co, ranges);
    if (!s) s = an_quantize(&m, &norm, ranges, &g);
    if (!s) {
        snprintf(g.data_opts, sizeof g.data_opts, "%s", csv_text);
        snprintf(g.calib, sizeof g.calib, "%s, %lld image%s", AN_CALIB_NAME[co.method],
                 (long long)calib.n, cli_s(calib.n));
        if (co.method == AN_CALIB_PERCENTILE)
            snprintf(g.calib, sizeof g.calib, "percentile %g, %lld image%s", co.percentile,
                     (long long)calib.n, cli_s(calib.n));
        s = an_q8_save(out, &g);
    }
    if (!s) {
        printf("calibrated %s (%s) on %s in %.1f s; wrote %s (%d int8 layers)\n", pos[0], g.calib,
               pos[1], an_now() - t0, out, g.n_layers);
        const double add = g.input.in_add[0];
        printf("input: raw x -> q = round(x * %g %c %g)%s, scale %g, zero point %d\n",
               (double)g.input.in_mul[0], add < 0 ? '-' : '+', fabs(add),
               g.input.n_affine > 1 ? " (feature 0; one map per feature)" : "",
               (double)g.input.scale, g.input.zero_point);
    }
    if (!s && !no_eval) {
        if (!(s = cli_load_data(pos[1], AN_SPLIT_TEST, &csv, an_node_size(&m.nodes[0]), classes,
                                &raw)) &&
            !(s = an_data_slice(&raw, 0, raw.n, &test)) && !(s = an_norm_apply(&norm, &test)))
            s = an_q_compare_models(&m, &g, &test, &raw, impl, 256, &c);
        if (!s) {
            const double fa = 100.0 * (double)c.float_correct / (double)c.n;
            const double qa = 100.0 * (double)c.int8_correct / (double)c.n;
            printf("\ntest split, %lld sample%s:\n", (long long)c.n, cli_s(c.n));
            printf("  float accuracy  %6.2f%%\n", fa);
            printf("  int8 accuracy   %6.2f%%  (%+.2f pp)\n", qa, qa - fa);
            printf("  agreement       %6.2f%%  (%lld predictions differ)\n",
                   100.0 * (double)c.agree / (double)c.n, (long long)(c.n - c.agree));
            print_layers(&g, &c);
        }
    } else if (!s) {
        print_layers(&g, NULL);
    }
    an_q_compare_free(&c);
    an_q_graph_free(&g);
    free(ranges);
    an_dataset_free(&calib);
    an_dataset_free(&raw);
    an_dataset_free(&test);
    an_norm_free(&norm);
    an_model_free(&m);
    return s ? cli_error(s) : 0;
}

int cmd_summary_q8(const char *path) {
    an_q_graph g;
    an_status s = cli_kind_check(an_q8_load(path, &g), path, CLI_KIND_Q8);
    if (s) return cli_error(s);
    int64_t weights = 0, macs = 0;
    for (int i = 0; i < g.n_layers; i++) {
        const an_q_layer *l = &g.layers[i];
        if (l->op == AN_Q_CONV2D || l->op == AN_Q_DENSE) {
            weights += (int64_t)l->c * l->k;
            macs += (int64_t)l->h * l->w * l->c * l->k;
        }
    }
    printf("Int8 graph: %s (%s)\n", path, g.calib);
    printf("input %dx%dx%d, scale %g, zero point %d\n", g.input.h, g.input.w, g.input.c,
           (double)g.input.scale, g.input.zero_point);
    print_layers(&g, NULL);
    printf("\nTotal int8 weights: %lld; MACs per sample: %lld\n", (long long)weights,
           (long long)macs);
    an_q_graph_free(&g);
    return 0;
}
