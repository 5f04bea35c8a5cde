/*
** Data options shared by every command that reads a data set (data, train,
** eval, predict, quantize, run, compare, report): the CSV options given on
** the command line, applied over the ones a checkpoint or .q8 recorded at
** training (the option table fragment CLI_DATA_OPTS parses them with
** cli_data_opt); and the one loader that says what cleaning dropped and
** refuses data that cannot be what the model was trained on.
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_data_opt(const cli_opt_def *def, const char *val, char *why, size_t cap) {
    cli_data *d = def->dst;
    const char *key = def->name + 2;
    an_csv_options probe = an_csv_defaults();
    if (an_csv_option_set(&probe, key, val)) {
        snprintf(why, cap, "%s", an_errmsg());
        return -1;
    }
    /* kept in the stored form, where items are separated by spaces */
    char one[AN_CSV_OPTS_MAX];
    const char *v = val;
    size_t vlen = strlen(val);
    if (strcmp(key, "delim") == 0) {
        an_csv_options_format(&probe, one, sizeof one);
        v = strstr(one, "delim=") + 6;
        vlen = strcspn(v, " ");
    } else if (strchr(val, ' ')) {
        snprintf(why, cap, "%s '%s': no spaces in the value", def->name, val);
        return -1;
    }
    const size_t used = strlen(d->given);
    const int n = snprintf(d->given + used, sizeof d->given - used, "%s%s=%.*s", used ? " " : "",
                           key, (int)vlen, v);
    if (n < 0 || (size_t)n >= sizeof d->given - used) {
        d->given[used] = 0;
        snprintf(why, cap, "too many data options");
        return -1;
    }
    return 0;
}

an_status cli_data_csv(const cli_data *d, const char *stored, const char *source,
                       an_csv_options *out, char *text) {
    *out = an_csv_defaults();
    an_status s = stored && stored[0] ? an_csv_options_parse(stored, source, out) : AN_OK;
    if (!s && d) s = an_csv_options_parse(d->given, "command line", out);
    if (!s && text) an_csv_options_format(out, text, AN_CSV_OPTS_MAX);
    return s;
}

/* Smallest and largest label of ds (0, 0 without labels). */
static void label_range(const an_dataset *ds, int *lo, int *hi) {
    *lo = *hi = 0;
    for (int64_t i = 0; ds->y && i < ds->n; i++) {
        if (i == 0 || ds->y[i] < *lo) *lo = ds->y[i];
        if (i == 0 || ds->y[i] > *hi) *hi = ds->y[i];
    }
}

int64_t cli_q_features(const an_q_graph *g) {
    return (int64_t)g->input.h * g->input.w * g->input.c;
}

an_status cli_load_data(const char *path, an_split split, const an_csv_options *csv,
                        int64_t features, int classes, an_dataset *ds) {
    an_clean_report rep;
    an_status s = an_data_load_ex(path, split, csv, ds, &rep);
    if (s) return s;
    const int64_t dropped = rep.rows_read - rep.rows_kept;
    char why[256];
    an_clean_report_text(&rep, why, sizeof why);
    if (dropped > 0 && dropped * 2 > rep.rows_read)
        s = an_fail(AN_ERR_FORMAT,
                    "%s: cleaning dropped %lld of %lld rows (%s); is the label in column %d? "
                    "--label-col -1 takes the last column; see also --header and --delim",
                    path, (long long)dropped, (long long)rep.rows_read, why, csv->label_col);
    else if (dropped > 0)
        fprintf(stderr, "asicnn: %s: cleaning dropped %lld of %lld rows: %s\n", path,
                (long long)dropped, (long long)rep.rows_read, why);
    if (!s && features > 0 && ds->features != features)
        s = an_fail(AN_ERR_FORMAT, "%s: samples have %lld features, the model expects %lld%s", path,
                    (long long)ds->features, (long long)features,
                    ds->h == 1 ? " (is the label column right? --label-col)" : "");
    int lo, hi;
    label_range(ds, &lo, &hi);
    if (!s && classes > 0 && ds->y && hi >= classes) {
        an_data_form form = AN_FORM_CSV;
        an_data_detect(path, &form);
        if (form == AN_FORM_CSV)
            s = an_fail(AN_ERR_FORMAT,
                        "%s: label column %d has values %d..%d but the model has %d classes; %s",
                        path, csv->label_col, lo, hi, classes,
                        csv->label_col == -1 ? "is that the label column? (--label-col K)"
                                             : "is the label the last column? --label-col -1");
        else
            s = an_fail(AN_ERR_FORMAT, "%s: labels run %d..%d but the model has %d classes", path,
                        lo, hi, classes);
    }
    if (s) an_dataset_free(ds);
    return s;
}
