/*
** Shared helpers of the model commands: --split and --engine, data loading with
** the model's normalisation, checkpoint loading.
*/
#include "cli_model.h"

#include "cli.h"

#include <string.h>

an_split cli_split_of(int index) {
    return index == 1 ? AN_SPLIT_TRAIN : AN_SPLIT_TEST;
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

/* --engine: fast, fast-vnni, fast-avx2, fast-scalar or reference (ref). */
int cli_engine_opt(const cli_opt_def *def, const char *v, char *why, size_t cap) {
    static const struct {
        const char *name;
        an_q_impl impl;
    } E[] = {{"fast", AN_Q_IMPL_FAST},
             {"reference", AN_Q_IMPL_REF},
             {"ref", AN_Q_IMPL_REF},
             {"fast-scalar", AN_Q_IMPL_FAST_SCALAR},
             {"fast-avx2", AN_Q_IMPL_FAST_AVX2},
             {"fast-vnni", AN_Q_IMPL_FAST_VNNI}};
    for (size_t k = 0; k < sizeof E / sizeof E[0]; k++)
        if (strcmp(v, E[k].name) == 0) {
            *(an_q_impl *)def->dst = E[k].impl;
            return 0;
        }
    return -1;
}
