/*
** asicnn eval CKPT|Q8 DATA: accuracy, loss, per-class accuracy and the
** confusion matrix (a .q8 goes to cmd_eval_q8.c after the parse).
** asicnn predict CKPT DATA INDEX: class probabilities for one sample.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/quant.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char EVAL_USAGE[] =
    "usage: asicnn eval model.ckpt|model.q8 DATA [--split test|train] [--batch N]\n"
    "                   [--threads N] [--engine E] [--check-fast]\n"
    "\n"
    "Evaluate a checkpoint or an int8 graph on DATA's test split (or --split train):\n"
    "accuracy, loss, per-class accuracy and the confusion matrix (rows: true class,\n"
    "columns: predicted). A checkpoint's inputs are normalised as they were in\n"
    "training; an int8 graph quantizes raw samples with its input map, takes the\n"
    "argmax of its int8 logits and reports the loss of those logits dequantized.\n";

static const char PREDICT_USAGE[] =
    "usage: asicnn predict model.ckpt DATA INDEX [--split test|train]\n"
    "\n"
    "Print the predicted class and the class probabilities for sample INDEX of\n"
    "DATA's test split (or --split train), with its true label.\n";

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

/* eval of a checkpoint. */
static int eval_ckpt(const cli_eval_args *a) {
    an_model m;
    an_norm norm;
    an_dataset ds = {0};
    an_eval_result r = {0};
    an_csv_options csv;
    an_status s = cli_load_ckpt_data(a->model, &a->given, &m, &norm, &csv, NULL);
    if (s) return cli_error(s);
    if (!(s = cli_load_normalized(a->data, a->split, &csv, an_node_size(&m.nodes[0]),
                                  m.nodes[m.output].c, &norm, &ds))) {
        const double t0 = an_now();
        s = an_evaluate(&m, &ds, (int)a->batch, (int)a->threads, &r);
        const double dt = an_now() - t0;
        if (!s) {
            printf("%s on %s (%s split): %lld sample%s\n", a->model, a->data,
                   a->split == AN_SPLIT_TEST ? "test" : "train", (long long)r.n, cli_s(r.n));
            printf("accuracy %.2f%% (%lld/%lld), loss %.4f, fast float path (%s), %.0f img/s\n",
                   100.0 * (double)r.correct / (double)r.n, (long long)r.correct, (long long)r.n,
                   r.loss, an_f_fast_path(AN_F_IMPL_FAST), (double)r.n / dt);
            cli_print_confusion(r.confusion, r.classes);
        }
    }
    an_eval_result_free(&r);
    an_dataset_free(&ds);
    an_norm_free(&norm);
    an_model_free(&m);
    return s ? cli_error(s) : 0;
}

int cmd_eval(int argc, char **argv) {
    const char *pos[2];
    int split_i = 0;
    cli_eval_args a = {
        .batch = 256, .threads = sysconf(_SC_NPROCESSORS_ONLN), .impl = AN_Q_IMPL_FAST};
    const cli_opt_def opts[] = {
        CLI_SPLIT_OPT(&split_i),
        {.name = "--batch",
         .kind = CLI_I64,
         .dst = &a.batch,
         .lo = 1,
         .hi = 65536,
         .meta = "N",
         .help = "samples per step (default 256)"},
        {.name = "--threads",
         .kind = CLI_I64,
         .dst = &a.threads,
         .lo = 1,
         .hi = 1024,
         .meta = "N",
         .help = "CPU threads (default: all cores; the int8 engines use one)"},
        {.kind = CLI_HEADING, .help = "int8 graph (.q8) options:"},
        {.name = "--engine",
         .kind = CLI_FN,
         .dst = &a.impl,
         .fn = cli_engine_opt,
         .meta = "E",
         .takes = "fast, fast-vnni, fast-avx2, fast-scalar or reference",
         .help = "fast (default: the best kernels this CPU runs, chosen at\n"
                 "run time), fast-vnni (AVX-512 VNNI), fast-avx2, fast-scalar\n"
                 "or reference"},
        {.name = "--check-fast",
         .kind = CLI_FLAG,
         .dst = &a.check,
         .help = "fast path (or the one --engine names) and reference engine\n"
                 "compared on every tensor of every sample; the first\n"
                 "differing byte fails"},
        CLI_DATA_OPTS(&a.given),
        {0}};
    const cli_cmd_spec spec = {.cmd = "eval",
                               .usage = EVAL_USAGE,
                               .opts = opts,
                               .pos = pos,
                               .min_pos = 2,
                               .max_pos = 2,
                               .needs = "needs model.ckpt (or model.q8) and DATA"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    a.model = pos[0], a.data = pos[1], a.split = cli_split_of(split_i);
    if (an_q8_is_file(a.model)) return cmd_eval_q8(&a);
    if (a.check || a.impl != AN_Q_IMPL_FAST)
        return cli_usage("eval",
                         "--engine and --check-fast are for an int8 graph (.q8); %s is "
                         "not one",
                         a.model);
    return eval_ckpt(&a);
}

int cmd_predict(int argc, char **argv) {
    const char *pos[3];
    int split_i = 0;
    int64_t index;
    cli_data data = {0};
    an_csv_options csv;
    const cli_opt_def opts[] = {CLI_SPLIT_OPT(&split_i), CLI_DATA_OPTS(&data), {0}};
    const cli_cmd_spec spec = {.cmd = "predict",
                               .usage = PREDICT_USAGE,
                               .opts = opts,
                               .pos = pos,
                               .min_pos = 3,
                               .max_pos = 3,
                               .needs = "needs model.ckpt, DATA and INDEX"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    const an_split split = cli_split_of(split_i);
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
