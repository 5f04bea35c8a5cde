/*
** CLI helpers shared by the model commands (train, eval, predict, summary):
** option scanning, and loading a data set normalised the way a model expects.
*/
#ifndef ASICNN_CLI_MODEL_H
#define ASICNN_CLI_MODEL_H

#include "asicnn/nn.h"

/* If argv[*i] is option `name` ("--epochs 5" or "--epochs=5"), store its value
** in *val, advance *i past it and return 1; return -1 when the value is
** missing, 0 when argv[*i] is another option. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **val);

/* If argv[*i] is a CSV loading option (cli_csv_opt), apply it to c and
** advance *i: 1 done, -1 bad or missing value, 0 another option. */
int cli_scan_csv_opt(int argc, char **argv, int *i, an_csv_options *c);

/* Parse "auto|255|std|none". Returns 0 on success. */
int cli_parse_norm(const char *s, int *auto_mode, an_norm_mode *mode);

/* Load split `split` of DATA (CSV read with csv) and apply norm (already
** fitted) to it. */
an_status cli_load_normalized(const char *path, an_split split, const an_csv_options *csv,
                              const an_norm *norm, an_dataset *ds);

/* Load a checkpoint (path) with its normalisation. */
an_status cli_load_ckpt(const char *path, an_model *m, an_norm *norm);

#endif /* ASICNN_CLI_MODEL_H */
