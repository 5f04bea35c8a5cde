/*
** train_bench: asicnn's side of bench/train_bench.sh. Times, through the
** library API, the three workloads that bench/train_bench_torch.py times in
** PyTorch, and prints one line per workload:
**
**   asicnn WORKLOAD images=N seconds=S images_per_s=R [extra]
**
** Workloads (the seed CNN of models/seed_cnn.model, dropout 0.2 included):
**   train      one epoch of mini-batch training on the Fashion-MNIST train
**              split (pixels / 255, batch 32, Adam lr 1e-3 from the spec),
**              shuffle and batch gathering included, data loading excluded
**   infer_b256 inference over the test split in batches of 256
**   infer_b1   inference one sample at a time over a fixed number of samples
**
** Contract
** - Every workload runs on --threads threads (default 2) and is preceded by
**   a short untimed warm-up; data loading and normalisation are not timed.
** - --images N trains on the first N training images only (a quick check;
**   default: the whole split). Exit status 0 on success, 1 on bad usage,
**   2 when the data or spec cannot be loaded.
*/
#include "asicnn/data.h"
#include "asicnn/nn.h"
#include "nn/kernels.h" /* nn_set_threads */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bench_args {
    const char *data, *model;
    long images, threads, infer_samples, batch, infer_batch;
    unsigned long long seed;
} bench_args;

static const char USAGE[] =
    "usage: train_bench [--data DIR] [--model FILE] [--images N] [--threads N]\n"
    "                   [--infer-samples N] [--batch N] [--infer-batch N] [--seed N]\n"
    "  --data DIR           Fashion-MNIST IDX directory (default data/fashion-mnist)\n"
    "  --model FILE         model spec (default models/seed_cnn.model)\n"
    "  --images N           train on the first N images (default: all)\n"
    "  --threads N          threads (default 2)\n"
    "  --infer-samples N    samples timed at batch 1 (default 2000)\n"
    "  --batch N            training batch (default 32)\n"
    "  --infer-batch N      inference batch (default 256)\n"
    "  --seed N             initialisation / shuffle seed (default 1)\n";

static int parse_long(const char *s, long lo, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo) return -1;
    *out = v;
    return 0;
}

/* Fill a from argv; returns 0, or -1 after printing the usage. */
static int parse_args(int argc, char **argv, bench_args *a) {
    *a = (bench_args){.data = "data/fashion-mnist",
                      .model = "models/seed_cnn.model",
                      .images = 0,
                      .threads = 2,
                      .infer_samples = 2000,
                      .batch = 32,
                      .infer_batch = 256,
                      .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        if (strcmp(k, "-h") == 0 || strcmp(k, "--help") == 0) {
            fputs(USAGE, stdout);
            exit(0);
        }
        if (!v) goto bad;
        i++;
        if (strcmp(k, "--data") == 0)
            a->data = v;
        else if (strcmp(k, "--model") == 0)
            a->model = v;
        else if (parse_long(v, strcmp(k, "--images") == 0 ? 0 : 1, &n))
            goto bad;
        else if (strcmp(k, "--images") == 0)
            a->images = n;
        else if (strcmp(k, "--threads") == 0)
            a->threads = n;
        else if (strcmp(k, "--infer-samples") == 0)
            a->infer_samples = n;
        else if (strcmp(k, "--batch") == 0)
            a->batch = n;
        else if (strcmp(k, "--infer-batch") == 0)
            a->infer_batch = n;
        else if (strcmp(k, "--seed") == 0)
            a->seed = (unsigned long long)n;
        else
            goto bad;
        continue;
    bad:
        fprintf(stderr, "train_bench: bad argument '%s'\n%s", k, USAGE);
        return -1;
    }
    return 0;
}

/* Load one split of the IDX directory with pixels scaled to [0, 1]. */
static an_status load_split(const char *dir, an_split split, an_dataset *ds) {
    an_status s = an_data_load(dir, split, ds);
    if (s) return s;
    an_norm norm;
    if ((s = an_norm_fit(ds, AN_NORM_SCALE255, &norm))) return s;
    s = an_norm_apply(&norm, ds);
    an_norm_free(&norm);
    return s;
}

static void report(const char *what, int64_t n, double seconds, const char *extra) {
    printf("asicnn %s images=%lld seconds=%.3f images_per_s=%.1f%s%s\n", what, (long long)n,
           seconds, (double)n / seconds, extra ? " " : "", extra ? extra : "");
    fflush(stdout);
}

static void on_epoch(const an_epoch_log *log, void *ctx) {
    *(an_epoch_log *)ctx = *log;
}

/* One epoch of an_train on train (seeded initialisation), timed. */
static an_status bench_train(an_model *m, const an_dataset *train, const bench_args *a) {
    an_exec *e = NULL;
    an_status s = an_exec_create(&e, m, (int)a->batch, 1);
    if (s) return s;
    an_train_opts o = {
        .epochs = 1, .batch = (int)a->batch, .seed = a->seed, .threads = (int)a->threads};
    /* warm-up (threads, caches, page faults) on a throwaway copy of the
    ** weights; the timed run starts from the seeded initialisation */
    an_dataset warm = {0};
    int64_t nw = train->n < 8 * a->batch ? train->n : 8 * a->batch;
    if (!(s = an_data_slice(train, 0, nw, &warm))) s = an_train(m, e, &warm, NULL, &o, NULL, NULL);
    an_dataset_free(&warm);
    an_exec_free(e);
    if (s || (s = an_exec_create(&e, m, (int)a->batch, 1))) return s;
    an_model_init_params(m, a->seed);
    an_epoch_log log = {0};
    double t0 = an_now();
    s = an_train(m, e, train, NULL, &o, on_epoch, &log);
    double t = an_now() - t0;
    an_exec_free(e);
    if (s) return s;
    char extra[64];
    snprintf(extra, sizeof extra, "loss=%.4f acc=%.4f", log.loss, log.acc);
    report("train", train->n, t, extra);
    return AN_OK;
}

/* Inference over the test split at batch infer_batch, timed. */
static an_status bench_infer_batch(an_model *m, const an_dataset *test, const bench_args *a) {
    an_exec *e = NULL;
    an_status s = an_exec_create(&e, m, (int)a->infer_batch, 0);
    if (s) return s;
    nn_set_threads((int)a->threads);
    int bs = (int)a->infer_batch;
    int64_t F = test->features;
    for (int k = 0; k < 2; k++) /* warm-up */
        an_exec_forward(e, test->x, (int)(test->n < bs ? test->n : bs), 0, 0);
    int64_t correct = 0;
    double t0 = an_now();
    for (int64_t at = 0; at < test->n; at += bs) {
        int B = (int)(test->n - at < bs ? test->n - at : bs);
        const float *logits = an_exec_forward(e, test->x + at * F, B, 0, 0);
        int N = m->nodes[m->output].c;
        for (int b = 0; b < B; b++) {
            int best = 0;
            for (int c = 1; c < N; c++)
                if (logits[b * N + c] > logits[b * N + best]) best = c;
            correct += best == test->y[at + b];
        }
    }
    double t = an_now() - t0;
    an_exec_free(e);
    char what[32], extra[32];
    snprintf(what, sizeof what, "infer_b%d", bs);
    snprintf(extra, sizeof extra, "acc=%.4f", (double)correct / (double)test->n);
    report(what, test->n, t, extra);
    return AN_OK;
}

/* Inference one sample at a time over infer_samples samples, timed. */
static an_status bench_infer_one(an_model *m, const an_dataset *test, const bench_args *a) {
    an_exec *e = NULL;
    an_status s = an_exec_create(&e, m, 1, 0);
    if (s) return s;
    nn_set_threads((int)a->threads);
    int64_t F = test->features, n = a->infer_samples;
    for (int64_t i = 0; i < 50; i++) an_exec_forward(e, test->x + (i % test->n) * F, 1, 0, 0);
    double t0 = an_now();
    for (int64_t i = 0; i < n; i++) an_exec_forward(e, test->x + (i % test->n) * F, 1, 0, 0);
    double t = an_now() - t0;
    an_exec_free(e);
    report("infer_b1", n, t, NULL);
    return AN_OK;
}

int main(int argc, char **argv) {
    bench_args a;
    if (parse_args(argc, argv, &a)) return 1;
    an_model m = {0};
    an_dataset train = {0}, test = {0}, part = {0};
    an_status s = an_model_load_spec(a.model, &m);
    if (!s) s = load_split(a.data, AN_SPLIT_TRAIN, &train);
    if (!s) s = load_split(a.data, AN_SPLIT_TEST, &test);
    if (!s && a.images > 0 && a.images < train.n) {
        s = an_data_slice(&train, 0, a.images, &part);
        an_dataset_free(&train);
        train = part;
    }
    if (s) {
        fprintf(stderr, "train_bench: %s\n", an_errmsg());
        an_model_free(&m);
        an_dataset_free(&train);
        an_dataset_free(&test);
        return 2;
    }
    printf("asicnn config threads=%ld batch=%ld infer_batch=%ld train_images=%lld\n", a.threads,
           a.batch, a.infer_batch, (long long)train.n);
    an_model_init_params(&m, a.seed);
    if (!s) s = bench_train(&m, &train, &a);
    if (!s) s = bench_infer_batch(&m, &test, &a);
    if (!s) s = bench_infer_one(&m, &test, &a);
    if (s) fprintf(stderr, "train_bench: %s\n", an_errmsg());
    an_model_free(&m);
    an_dataset_free(&train);
    an_dataset_free(&test);
    return s ? 2 : 0;
}
