/*
** CLI helpers shared by the model commands (train, eval, predict, summary):
** the --split option, and loading a data set normalised the way a model expects.
*/
#ifndef ASICNN_CLI_MODEL_H
#define ASICNN_CLI_MODEL_H

#include "asicnn/nn.h"
#include "asicnn/quant.h"

#include "cli.h"

/* --split test|train, an option table entry (the index into an int). */
#define CLI_SPLIT_OPT(d)                                                                           \
    {                                                                                              \
        .name = "--split", .kind = CLI_ENUM, .dst = (d), .choices = "test|train",                  \
        .help = "the split to read (default test)"                                                 \
    }
/* The split an index of "test|train" names. */
an_split cli_split_of(int index);

/* Load split `split` of DATA (CSV read with csv, checked against the
** model's classes as cli_load_data does) and apply norm (already fitted). */
an_status cli_load_normalized(const char *path, an_split split, const an_csv_options *csv,
                              int64_t features, int classes, const an_norm *norm, an_dataset *ds);

/* Load a checkpoint (path) with its normalisation, and the CSV options to
** read data with (its recorded ones under d's; csv may be NULL). */
an_status cli_load_ckpt(const char *path, an_model *m, an_norm *norm);
an_status cli_load_ckpt_data(const char *path, const cli_data *d, an_model *m, an_norm *norm,
                             an_csv_options *csv, char *csv_text);

/* --engine: fast, fast-vnni, fast-avx2, fast-scalar or reference (ref) into
** the an_q_impl at def->dst; a CLI_FN parser. */
int cli_engine_opt(const cli_opt_def *def, const char *v, char *why, size_t cap);

/* The command line of asicnn eval. */
typedef struct cli_eval_args {
    const char *model, *data;
    an_split split;
    int64_t batch, threads;
    an_q_impl impl; /* --engine (.q8) */
    int check;      /* --check-fast (.q8) */
    cli_data given; /* CSV options */
} cli_eval_args;

/* eval of an int8 graph (cmd_eval_q8.c). */
int cmd_eval_q8(const cli_eval_args *a);

/* Per-class accuracy and the N x N confusion matrix (rows: true class). */
void cli_print_confusion(const int64_t *confusion, int N);

#endif /* ASICNN_CLI_MODEL_H */
