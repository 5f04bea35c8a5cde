/*
** Shared helpers of the model commands: option scanning, data loading with
** the model's normalisation, checkpoint loading.
*/
#include "cli_model.h"

#include "cli.h"

#include <string.h>

int cli_opt(int argc, char **argv, int *i, const char *name, const char **val) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) return -1;
    *val = argv[++*i];
    return 1;
}

int cli_parse_norm(const char *s, int *auto_mode, an_norm_mode *mode) {
    *auto_mode = 0;
    if (strcmp(s, "auto") == 0)
        *auto_mode = 1;
    else if (strcmp(s, "255") == 0)
        *mode = AN_NORM_SCALE255;
    else if (strcmp(s, "std") == 0)
        *mode = AN_NORM_STANDARD;
    else if (strcmp(s, "none") == 0)
        *mode = AN_NORM_NONE;
    else
        return -1;
    return 0;
}

an_status cli_load_normalized(const char *path, an_split split, const an_csv_options *csv,
                              int64_t features, int classes, const an_norm *norm, an_dataset *ds) {
    an_status s = cli_load_data(path, split, csv, features, classes, ds);
    if (s) return s;
    s = an_norm_apply(norm, ds);
    if (s) an_dataset_free(ds);
    return s;
}

an_status cli_load_ckpt(const char *path, an_model *m, an_norm *norm) {
    an_ckpt_extra x;
    an_status s = cli_kind_check(an_ckpt_load(path, m, &x, NULL), path, CLI_KIND_CKPT);
    if (!s) *norm = x.norm;
    return s;
}

an_status cli_load_ckpt_data(const char *path, const cli_data *d, an_model *m, an_norm *norm,
                             an_csv_options *csv, char *csv_text) {
    an_ckpt_extra x;
    an_status s = cli_kind_check(an_ckpt_load(path, m, &x, NULL), path, CLI_KIND_CKPT);
    if (s) return s;
    *norm = x.norm;
    an_csv_options scratch;
    s = cli_data_csv(d, x.data_opts, path, csv ? csv : &scratch, csv_text);
    if (s) an_norm_free(norm), an_model_free(m);
    return s;
}
