/*
** asicnn eval CKPT DATA: accuracy, per-class accuracy and confusion matrix.
** asicnn predict CKPT DATA INDEX: class probabilities for one sample.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/quant.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char EVAL_HELP[] =
    "usage: asicnn eval model.ckpt|model.q8 DATA [--split test|train] [--batch N]\n"
    "                   [--threads N] [--engine E] [--check-fast]\n"
    "\n"
    "Evaluate a checkpoint on DATA's test split (or --split train): accuracy, loss,\n"
    "per-class accuracy and the confusion matrix (rows: true class, columns:\n"
    "predicted). Inputs are normalised as they were in training.\n"
    "\n"
    "  --split test|train   the split to evaluate (default test)\n"
    "  --batch N            samples per step (default 256)\n"
    "  --threads N          CPU threads (default: all cores)\n"
    "\n"
    "On an int8 graph (.q8), raw samples are quantized with the graph's input map:\n"
    "  --engine E           fast (default: the best kernels this CPU runs, chosen at\n"
    "                       run time), fast-vnni (AVX-512 VNNI), fast-avx2, fast-scalar\n"
    "                       or reference\n"
    "  --check-fast         fast path (or the one --engine names) and reference engine\n"
    "                       compared on every tensor of every sample; the first\n"
    "                       differing byte fails\n"
    "\n" CLI_CSV_HELP;

static const char PREDICT_HELP[] =
    "usage: asicnn predict model.ckpt DATA INDEX [--split test|train]\n"
    "\n"
    "Print the predicted class and the class probabilities for sample INDEX of\n"
    "DATA's test split (or --split train), with its true label.\n\n" CLI_CSV_HELP;

/* Shared argument scan: positional args into pos[], --split/--batch/--threads. */
static int scan(const char *cmd, const char *help, int argc, char **argv, const char **pos,
                int npos_want, an_split *split, int64_t *batch, int64_t *threads, cli_data *data) {
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *v, *arg = argv[i];
        int r;
        if (cli_is_help(arg)) {
            fputs(help, stdout);
            exit(0);
        }
        if ((r = cli_opt(argc, argv, &i, "--split", &v))) {
            if (r < 0 || (strcmp(v, "test") && strcmp(v, "train")))
                return cli_usage(cmd, "--split takes test or train");
            *split = strcmp(v, "train") == 0 ? AN_SPLIT_TRAIN : AN_SPLIT_TEST;
        } else if ((r = cli_opt(argc, argv, &i, "--batch", &v))) {
            if (r < 0 || cli_parse_i64(v, batch) || *batch < 1 || *batch > 65536)
                return cli_usage(cmd, "--batch takes a whole number in 1..65536");
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_parse_i64(v, threads) || *threads < 1 || *threads > 1024)
                return cli_usage(cmd, "--threads takes a whole number in 1..1024");
        } else if ((r = cli_scan_data_opt(cmd, argc, argv, &i, data))) {
            if (r < 0) return 1;
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage(cmd, "unknown option '%s'", arg);
        } else if (npos < npos_want) {
            pos[npos++] = arg;
        } else {
            return cli_usage(cmd, "unexpected argument '%s'", arg);
        }
    }
    if (npos < npos_want)
        return cli_usage(cmd, npos_want == 2 ? "needs model.ckpt and DATA"
                                             : "needs model.ckpt, DATA and INDEX");
    return 0;
}

void cli_print_confusion(const int64_t *confusion, int N) {
    printf("\nper-class accuracy:\n");
    for (int t = 0; t < N; t++) {
        const int64_t *row = confusion + (size_t)t * N;
        int64_t total = 0;
        for (int p = 0; p < N; p++) total += row[p];
        if (total)
            printf("  class %2d: %6.2f%% (%lld/%lld)\n", t, 100.0 * (double)row[t] / (double)total,
                   (long long)row[t], (long long)total);
    }
    printf("\nconfusion matrix (rows: true, columns: predicted):\n      ");
    for (int p = 0; p < N; p++) printf("%6d", p);
    printf("\n");
    for (int t = 0; t < N; t++) {
        printf("  %2d: ", t);
        for (int p = 0; p < N; p++) printf("%6lld", (long long)confusion[(size_t)t * N + p]);
        printf("\n");
    }
}

/* The first positional argument, when it is an int8 graph (.q8 magic). */
static int first_is_q8(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-') return an_q8_is_file(argv[i]);
    return 0;
}

int cmd_eval(int argc, char **argv) {
    if (first_is_q8(argc, argv)) return cmd_eval_q8(argc, argv);
    const char *pos[2];
    an_split split = AN_SPLIT_TEST;
    int64_t batch = 256, threads = sysconf(_SC_NPROCESSORS_ONLN);
    cli_data data = {0};
    an_csv_options csv;
    int rc = scan("eval", EVAL_HELP, argc, argv, pos, 2, &split, &batch, &threads, &data);
    if (rc) return rc;
    an_model m;
    an_norm norm;
    an_dataset ds = {0};
    an_eval_result r = {0};
    an_status s = cli_load_ckpt_data(pos[0], &data, &m, &norm, &csv, NULL);
    if (s) return cli_error(s);
    if (!(s = cli_load_normalized(pos[1], split, &csv, an_node_size(&m.nodes[0]),
                                  m.nodes[m.output].c, &norm, &ds))) {
        double t0 = an_now();
        s = an_evaluate(&m, &ds, (int)batch, (int)threads, &r);
        double dt = an_now() - t0;
        if (!s) {
            printf("%s on %s (%s split): %lld sample%s\n", pos[0], pos[1],
                   split == AN_SPLIT_TEST ? "test" : "train", (long long)r.n, cli_s(r.n));
            printf("accuracy %.2f%% (%lld/%lld), loss %.4f, %.0f img/s\n",
                   100.0 * (double)r.correct / (double)r.n, (long long)r.correct, (long long)r.n,
                   r.loss, (double)r.n / dt);
            cli_print_confusion(r.confusion, r.classes);
        }
    }
    an_eval_result_free(&r);
    an_dataset_free(&ds);
    an_norm_free(&norm);
    an_model_free(&m);
    return s ? cli_error(s) : 0;
}

int cmd_predict(int argc, char **argv) {
    const char *pos[3];
    an_split split = AN_SPLIT_TEST;
    int64_t batch = 1, threads = 1, index;
    cli_data data = {0};
    an_csv_options csv;
    int rc = scan("predict", PREDICT_HELP, argc, argv, pos, 3, &split, &batch, &threads, &data);
    if (rc) return rc;
    if (cli_parse_i64(pos[2], &index) || index < 0)
        return cli_usage("predict", "INDEX must be a whole number >= 0, got '%s'", pos[2]);
    an_model m;
    an_norm norm;
    an_dataset ds = {0};
    an_status s = cli_load_ckpt_data(pos[0], &data, &m, &norm, &csv, NULL);
    if (s) return cli_error(s);
    float *probs = NULL;
    int N = m.nodes[m.output].c;
    if (!(s = cli_load_normalized(pos[1], split, &csv, an_node_size(&m.nodes[0]), N, &norm, &ds))) {
        if (index >= ds.n)
            s = an_fail(AN_ERR_RANGE, "%s: index %lld out of range (%lld samples)", pos[1],
                        (long long)index, (long long)ds.n);
        else if (ds.features != an_node_size(&m.nodes[0]))
            s = an_fail(AN_ERR_FORMAT, "%s: samples have %lld features, the model expects %lld",
                        pos[1], (long long)ds.features, (long long)an_node_size(&m.nodes[0]));
        else if (!(s = an_alloc_array((void **)&probs, (size_t)N, sizeof(float), "probs")))
            s = an_predict(&m, ds.x + index * ds.features, probs);
    }
    if (!s) {
        int best = 0;
        for (int k = 1; k < N; k++)
            if (probs[k] > probs[best]) best = k;
        printf("sample %lld: predicted %d (p = %.4f)", (long long)index, best, probs[best]);
        if (ds.y) printf(", label %d%s", ds.y[index], ds.y[index] == best ? "" : " (wrong)");
        printf("\n");
        for (int k = 0; k < N; k++) printf("  class %2d: %.4f\n", k, probs[k]);
    }
    free(probs);
    an_dataset_free(&ds);
    an_norm_free(&norm);
    an_model_free(&m);
    return s ? cli_error(s) : 0;
}
