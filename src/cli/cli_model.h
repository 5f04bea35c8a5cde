/*
** CLI helpers shared by the model commands (train, eval, predict, summary):
** option scanning, and loading a data set normalised the way a model expects.
*/
#ifndef ASICNN_CLI_MODEL_H
#define ASICNN_CLI_MODEL_H

#include "asicnn/nn.h"

#include "cli.h"

/* If argv[*i] is option `name` ("--epochs 5" or "--epochs=5"), store its value
** in *val, advance *i past it and return 1; return -1 when the value is
** missing, 0 when argv[*i] is another option. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);

/* Parse "auto|255|std|none". Returns 0 on success. */
int cli_parse_norm(const char *s, int *auto_mode, an_norm_mode *mode);

/* Load split `split` of DATA (CSV read with csv, checked against the
** model's classes as cli_load_data does) and apply norm (already fitted). */
an_status cli_load_normalized(const char *path, an_split split, const an_csv_options *csv,
                              int64_t features, int classes, const an_norm *norm, an_dataset *ds);

/* Load a checkpoint (path) with its normalisation, and the CSV options to
** read data with (its recorded ones under d's; csv may be NULL). */
an_status cli_load_ckpt(const char *path, an_model *m, an_norm *norm);
an_status cli_load_ckpt_data(const char *path, const cli_data *d, an_model *m, an_norm *norm,
                             an_csv_options *csv, char *csv_text);

/* Per-class accuracy and the N x N confusion matrix (rows: true class). */
void cli_print_confusion(const int64_t *confusion, int N);

#endif /* ASICNN_CLI_MODEL_H */
