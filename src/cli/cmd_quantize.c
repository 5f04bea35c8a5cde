/*
** asicnn quantize CKPT DATA -o OUT.q8: calibrate on the first N training
** samples, quantize to an int8 graph, save it, then compare the float and
** int8 models on the test split (accuracy, agreement, per-layer SQNR).
** asicnn eval OUT.q8 DATA: accuracy and confusion of an int8 graph, with
** --check-fast comparing the fast path with the reference on every sample.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char HELP[] =
    "usage: asicnn quantize model.ckpt DATA -o model.q8 [options]\n"
    "\n"
    "Quantize a trained checkpoint to an int8 graph (TFLite int8 scheme: per-channel\n"
    "symmetric weights, per-tensor asymmetric activations, int32 biases, fixed-point\n"
    "requantization), calibrating activation ranges on DATA's training split, then\n"
    "compare float and int8 on the test split: accuracy, prediction agreement and\n"
    "per-layer SQNR. docs/quantization.md defines the integer semantics and the file.\n"
    "\n"
    "  -o FILE              the .q8 file to write (atomically)\n"
    "  --calib METHOD       min-max (default), percentile or entropy\n"
    "  --calib-images N     calibration samples, the first N of the training split\n"
    "                       (default 1000; 0 = all)\n"
    "  --percentile P       percentile method's cut, in (50, 100] (default 99.99)\n"
    "  --entropy-floor P    entropy never clips below this percentile (default 99.9;\n"
    "                       0 = pure KL divergence)\n"
    "  --calib-bins N       histogram bins of percentile and entropy (default 2048)\n"
    "  --calib-ma C         min-max with a moving average of per-batch extremes (0..1)\n"
    "  --no-eval            skip the float vs int8 comparison\n"
    "  --engine E           int8 engine for the comparison: fast (default), reference\n"
    "\n" CLI_CSV_HELP;

static const char EVAL_HELP[] =
    "usage: asicnn eval model.q8 DATA [--split test|train] [--engine E]\n"
    "                   [--check-fast] [--batch N]\n"
    "\n"
    "Evaluate an int8 graph: raw samples are quantized with the graph's input map and\n"
    "classified by the argmax of the int8 logits; the fast path's kernels are printed.\n"
    "--check-fast runs the fast path (or the one --engine names) and the reference\n"
    "engine on every sample and fails on the first differing byte of any tensor.\n"
    "\n"
    "  --split test|train   the split to evaluate (default test)\n"
    "  --engine E           fast (default: the best kernels this CPU runs, chosen at\n"
    "                       run time), fast-vnni (AVX-512 VNNI), fast-avx2, fast-scalar\n"
    "                       or reference\n"
    "  --check-fast         fast path and reference engine, compared on every tensor\n"
    "  --batch N            samples per engine call (default 256)\n"
    "  --threads N          accepted for eval model.ckpt's sake; the int8 engines use one\n"
    "\n" CLI_CSV_HELP;

static int parse_engine(const char *v, an_q_impl *impl) {
    if (strcmp(v, "fast") == 0)
        *impl = AN_Q_IMPL_FAST;
    else if (strcmp(v, "reference") == 0 || strcmp(v, "ref") == 0)
        *impl = AN_Q_IMPL_REF;
    else if (strcmp(v, "fast-scalar") == 0)
        *impl = AN_Q_IMPL_FAST_SCALAR;
    else if (strcmp(v, "fast-avx2") == 0)
        *impl = AN_Q_IMPL_FAST_AVX2;
    else if (strcmp(v, "fast-vnni") == 0)
        *impl = AN_Q_IMPL_FAST_VNNI;
    else
        return -1;
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
    int npos = 0, no_eval = 0;
    an_calib_opts co = an_calib_defaults();
    an_q_impl impl = AN_Q_IMPL_FAST;
    cli_data data = {0};
    for (int i = 1; i < argc; i++) {
        const char *v, *arg = argv[i];
        int r;
        double d;
        int64_t n;
        if (cli_is_help(arg)) {
            fputs(HELP, stdout);
            return 0;
        }
        if ((r = cli_opt(argc, argv, &i, "-o", &v))) {
            if (r < 0) return cli_usage("quantize", "-o needs a file name");
            out = v;
        } else if ((r = cli_opt(argc, argv, &i, "--calib-images", &v))) {
            if (r < 0 || cli_parse_i64(v, &n) || n < 0)
                return cli_usage("quantize", "--calib-images takes a whole number >= 0");
            co.images = n;
        } else if ((r = cli_opt(argc, argv, &i, "--calib-ma", &v))) {
            if (r < 0 || cli_parse_f64(v, &d) || d < 0 || d > 1)
                return cli_usage("quantize", "--calib-ma takes a number in [0, 1]");
            co.ma = d;
        } else if ((r = cli_opt(argc, argv, &i, "--calib", &v))) {
            int k = 0;
            while (r > 0 && k < AN_CALIB_COUNT && strcmp(v, AN_CALIB_NAME[k])) k++;
            if (r < 0 || k == AN_CALIB_COUNT)
                return cli_usage("quantize", "--calib takes min-max, percentile or entropy");
            co.method = (an_calib_method)k;
        } else if ((r = cli_opt(argc, argv, &i, "--calib-bins", &v))) {
            if (r < 0 || cli_parse_i64(v, &n) || n < 256 || n > (1 << 20))
                return cli_usage("quantize", "--calib-bins takes a whole number in 256..1048576");
            co.bins = (int)n;
        } else if ((r = cli_opt(argc, argv, &i, "--entropy-floor", &v))) {
            if (r < 0 || cli_parse_f64(v, &d) || (d != 0 && !(d > 50 && d <= 100)))
                return cli_usage("quantize", "--entropy-floor takes 0 or a number in (50, 100]");
            co.entropy_floor = d;
        } else if ((r = cli_opt(argc, argv, &i, "--percentile", &v))) {
            if (r < 0 || cli_parse_f64(v, &d) || !(d > 50 && d <= 100))
                return cli_usage("quantize", "--percentile takes a number in (50, 100]");
            co.percentile = d;
        } else if ((r = cli_opt(argc, argv, &i, "--engine", &v))) {
            if (r < 0 || parse_engine(v, &impl))
                return cli_usage("quantize", "--engine takes fast or reference");
        } else if (strcmp(arg, "--no-eval") == 0) {
            no_eval = 1;
        } else if ((r = cli_scan_data_opt("quantize", argc, argv, &i, &data))) {
            if (r < 0) return 1;
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage("quantize", "unknown option '%s'", arg);
        } else if (npos < 2) {
            pos[npos++] = arg;
        } else {
            return cli_usage("quantize", "unexpected argument '%s'", arg);
        }
    }
    if (npos < 2) return cli_usage("quantize", "needs model.ckpt and DATA");
    if (!out) return cli_usage("quantize", "needs -o model.q8");
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
        snprintf(g.calib, sizeof g.calib, "%s, %lld images", AN_CALIB_NAME[co.method],
                 (long long)calib.n);
        if (co.method == AN_CALIB_PERCENTILE)
            snprintf(g.calib, sizeof g.calib, "percentile %g, %lld images", co.percentile,
                     (long long)calib.n);
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

int cmd_eval_q8(int argc, char **argv) {
    const char *pos[2];
    int npos = 0, check = 0;
    int64_t batch = 256;
    an_split split = AN_SPLIT_TEST;
    an_q_impl impl = AN_Q_IMPL_FAST;
    cli_data data = {0};
    for (int i = 1; i < argc; i++) {
        const char *v, *arg = argv[i];
        int r;
        if (cli_is_help(arg)) {
            fputs(EVAL_HELP, stdout);
            return 0;
        }
        if ((r = cli_opt(argc, argv, &i, "--split", &v))) {
            if (r < 0 || (strcmp(v, "test") && strcmp(v, "train")))
                return cli_usage("eval", "--split takes test or train");
            split = strcmp(v, "train") == 0 ? AN_SPLIT_TRAIN : AN_SPLIT_TEST;
        } else if ((r = cli_opt(argc, argv, &i, "--engine", &v))) {
            if (r < 0 || parse_engine(v, &impl))
                return cli_usage("eval", "--engine takes fast, fast-vnni, fast-avx2, fast-scalar "
                                         "or reference");
        } else if ((r = cli_opt(argc, argv, &i, "--batch", &v))) {
            if (r < 0 || cli_parse_i64(v, &batch) || batch < 1 || batch > 65536)
                return cli_usage("eval", "--batch takes a whole number in 1..65536");
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            int64_t t;
            if (r < 0 || cli_parse_i64(v, &t) || t < 1 || t > 1024)
                return cli_usage("eval", "--threads takes a whole number in 1..1024");
        } else if (strcmp(arg, "--check-fast") == 0) {
            check = 1;
        } else if ((r = cli_scan_data_opt("eval", argc, argv, &i, &data))) {
            if (r < 0) return 1;
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage("eval", "unknown option '%s'", arg);
        } else if (npos < 2) {
            pos[npos++] = arg;
        } else {
            return cli_usage("eval", "unexpected argument '%s'", arg);
        }
    }
    if (npos < 2) return cli_usage("eval", "needs model.q8 and DATA");
    an_q_graph g;
    an_dataset ds = {0};
    an_q_eval r = {0};
    an_csv_options csv;
    an_status s = cli_kind_check(an_q8_load(pos[0], &g), pos[0], CLI_KIND_Q8);
    if (!s && (s = cli_data_csv(&data, g.data_opts, pos[0], &csv, NULL))) an_q_graph_free(&g);
    if (s) return cli_error(s);
    double dt = 0;
    /* --check-fast: the fast path (or the one named), every tensor compared
    ** with the reference */
    const an_q_impl run_impl = check && impl == AN_Q_IMPL_REF ? AN_Q_IMPL_FAST : impl;
    if (!(s = cli_load_data(pos[1], split, &csv, cli_q_features(&g), g.layers[g.n_layers - 1].c,
                            &ds))) {
        double t0 = an_now();
        s = an_q_evaluate(&g, &ds, run_impl, check ? AN_Q_IMPL_REF : AN_Q_IMPL_COUNT, (int)batch,
                          &r);
        dt = an_now() - t0;
    }
    if (!s) {
        printf("%s (int8, %s) on %s (%s split): %lld sample%s\n", pos[0], g.calib, pos[1],
               split == AN_SPLIT_TEST ? "test" : "train", (long long)r.n, cli_s(r.n));
        const char *path = an_q_fast_path(run_impl);
        printf("accuracy %.2f%% (%lld/%lld), %s engine%s%s%s, %.0f img/s\n",
               100.0 * (double)r.correct / (double)r.n, (long long)r.correct, (long long)r.n,
               AN_Q_IMPL_NAME[run_impl], path ? " (" : "", path ? path : "", path ? ")" : "",
               (double)r.n / dt);
        if (check)
            printf("check: fast path (%s) == reference engine, bit for bit, on every tensor of "
                   "all %lld samples\n",
                   path, (long long)r.n);
        cli_print_confusion(r.confusion, r.classes);
    }
    an_q_eval_free(&r);
    an_dataset_free(&ds);
    an_q_graph_free(&g);
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
