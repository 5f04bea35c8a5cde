/*
** The CLI's option parser (src/cli/cli_opts.c) and its data-option
** fragment (CLI_DATA_OPTS, src/cli/cli_csv.c): values of every kind, both
** spellings, positional arguments, each usage error's wording (naming the
** option, its value and what it takes), the typo suggestion, and the --help
** list made from the table.
*/
#include "cli/cli.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

TestSuite(cli_opts, .fini = leakcheck);

/* The options of a made-up command, and where they land. */
typedef struct vals {
    int flag, n, choice;
    int64_t big;
    double f;
    const char *s, *pos[2];
    unsigned custom;
    cli_data data;
} vals;

/* A CLI_FN parser: "even" numbers only, a message of its own for 13. */
static int even(const cli_opt_def *def, const char *v, char *why, size_t cap) {
    int64_t x;
    if (cli_parse_i64(v, &x)) return -1;
    if (x == 13) {
        snprintf(why, cap, "%s: 13 is unlucky", def->name);
        return -1;
    }
    if (x % 2) return -1;
    *(unsigned *)def->dst = (unsigned)x;
    return 0;
}

/* Scan argv (NULL-terminated, argv[0] the command) into v; the result, with
** the message in err. */
static int scan(vals *v, char *err, size_t cap, int *npos, const char **args) {
    *v = (vals){.n = 7, .f = 0.5};
    const cli_opt_def opts[] = {
        {.name = "--flag", .kind = CLI_FLAG, .dst = &v->flag, .help = "a flag"},
        {.name = "--num",
         .kind = CLI_INT,
         .dst = &v->n,
         .lo = 1,
         .hi = 64,
         .meta = "N",
         .help = "a number\nover two lines"},
        {.name = "--big",
         .kind = CLI_I64,
         .dst = &v->big,
         .lo = 0,
         .hi = CLI_NO_MAX,
         .meta = "N",
         .help = "no upper bound"},
        {.name = "--frac",
         .kind = CLI_F64,
         .dst = &v->f,
         .lo = 0,
         .hi = 1,
         .open = CLI_OPEN_LO | CLI_OPEN_HI,
         .meta = "F",
         .help = "in (0, 1)"},
        {.name = "--output",
         .alias = "-o",
         .kind = CLI_STR,
         .dst = &v->s,
         .meta = "FILE",
         .help = "a file"},
        {.name = "--mode",
         .kind = CLI_ENUM,
         .dst = &v->choice,
         .choices = "auto|kpos|im2col",
         .help = "a choice"},
        {.name = "--even",
         .kind = CLI_FN,
         .dst = &v->custom,
         .fn = even,
         .meta = "E",
         .takes = "an even number",
         .help = "custom"},
        CLI_DATA_OPTS(&v->data),
        {0}};
    const cli_cmd_spec spec = {.cmd = "demo",
                               .usage = "usage: demo\n",
                               .opts = opts,
                               .pos = v->pos,
                               .min_pos = 1,
                               .max_pos = 2,
                               .needs = "needs IN"};
    int argc = 0;
    while (args[argc]) argc++;
    return cli_opts_scan(&spec, argc, (char **)args, npos, err, cap);
}

#define SCAN(...) scan(&v, err, sizeof err, &npos, (const char *[]){"demo", __VA_ARGS__, NULL})

Test(cli_opts, every_kind_both_spellings) {
    vals v;
    char err[512];
    int npos;
    cr_assert_eq(SCAN("in", "--flag", "--num", "12", "--big=9000000000", "--frac", "0.25", "-o",
                      "x.npu", "--mode=im2col", "--even", "8", "out"),
                 0, "%s", err);
    cr_assert_eq(v.flag, 1);
    cr_assert_eq(v.n, 12);
    cr_assert_eq(v.big, 9000000000LL);
    cr_assert_float_eq(v.f, 0.25, 1e-12);
    cr_assert_str_eq(v.s, "x.npu");
    cr_assert_eq(v.choice, 2);
    cr_assert_eq(v.custom, 8u);
    cr_assert_eq(npos, 2);
    cr_assert_str_eq(v.pos[0], "in");
    cr_assert_str_eq(v.pos[1], "out");
    cr_assert_eq(SCAN("in", "--output=y.npu"), 0);
    cr_assert_str_eq(v.s, "y.npu");
    cr_assert_eq(v.n, 7, "an option not given keeps its default");
}

Test(cli_opts, values_that_look_like_options_and_positionals) {
    vals v;
    char err[512];
    int npos;
    /* a value is the next argument whatever it starts with; "-" and "-5"
    ** are positional */
    cr_assert_eq(SCAN("--output", "--flag", "-5"), 0, "%s", err);
    cr_assert_str_eq(v.s, "--flag");
    cr_assert_eq(v.flag, 0);
    cr_assert_str_eq(v.pos[0], "-5");
    cr_assert_eq(SCAN("-"), 0, "%s", err);
    cr_assert_str_eq(v.pos[0], "-");
}

Test(cli_opts, errors_name_the_option_value_and_range) {
    vals v;
    char err[512];
    int npos;
    const struct {
        const char *args[4], *msg;
    } C[] = {
        {{"in", "--num", "0"}, "--num takes a whole number in 1..64, not '0'"},
        {{"in", "--num", "x"}, "--num takes a whole number in 1..64, not 'x'"},
        {{"in", "--num", "3.5"}, "--num takes a whole number in 1..64, not '3.5'"},
        {{"in", "--big", "-1"}, "--big takes a whole number >= 0, not '-1'"},
        {{"in", "--frac", "1"}, "--frac takes a number in (0, 1), not '1'"},
        {{"in", "--frac", "nan"}, "--frac takes a number in (0, 1), not 'nan'"},
        {{"in", "--mode", "fast"}, "--mode takes auto, kpos or im2col, not 'fast'"},
        {{"in", "--even", "3"}, "--even takes an even number, not '3'"},
        {{"in", "--even", "13"}, "--even: 13 is unlucky"},
        {{"in", "--num"}, "--num needs a value (N)"},
        {{"in", "--mode"}, "--mode needs a value (auto|kpos|im2col)"},
        {{"in", "--flag=1"}, "--flag takes no value (got '1')"},
        {{"in", "--nmu", "3"}, "unknown option '--nmu' (did you mean --num?)"},
        {{"in", "--outp", "x"}, "unknown option '--outp' (did you mean --output?)"},
        {{"in", "--zzzzzz"}, "unknown option '--zzzzzz'"},
        {{"a", "b", "c"}, "unexpected argument 'c'"},
        {{"--flag"}, "needs IN"},
        {{"in", "--label-col", "x"}, "--label-col 'x'"},
    };
    for (size_t k = 0; k < sizeof C / sizeof C[0]; k++) {
        const char *argv[6] = {"demo"};
        int n = 1;
        for (int j = 0; j < 4 && C[k].args[j]; j++) argv[n++] = C[k].args[j];
        argv[n] = NULL;
        cr_assert_eq(scan(&v, err, sizeof err, &npos, argv), CLI_BAD, "case %zu passed", k);
        cr_assert(strstr(err, C[k].msg), "case %zu: '%s' lacks '%s'", k, err, C[k].msg);
    }
}

Test(cli_opts, help_stops_the_scan) {
    vals v;
    char err[512];
    int npos;
    cr_assert_eq(SCAN("--help", "--num", "0"), CLI_HELP);
    cr_assert_eq(SCAN("-h"), CLI_HELP, "help needs no positional argument");
    cr_assert_eq(SCAN("in", "--output", "--help"), 0, "a value is never help");
}

Test(cli_opts, data_options_are_recorded_in_stored_form) {
    vals v;
    char err[512];
    int npos;
    cr_assert_eq(SCAN("in", "--label-col", "-1", "--delim", "tab", "--header=yes"), 0, "%s", err);
    cr_assert_str_eq(v.data.given, "label-col=-1 delim=tab header=yes");
    an_csv_options csv;
    cr_assert_eq(cli_data_csv(&v.data, "label-col=0 header=no", "x.ckpt", &csv, NULL), AN_OK);
    cr_assert_eq(csv.label_col, -1, "the command line overrides what a file stored");
    cr_assert_eq(SCAN("in", "--range", "0 : 1"), CLI_BAD);
    cr_assert(strstr(err, "--range"), "%s", err);
}

Test(cli_opts, help_lists_every_option_from_the_table) {
    vals v;
    char err[512], *text = NULL;
    int npos;
    size_t n = 0;
    cr_assert_eq(SCAN("in"), 0);
    (void)v;
    const cli_opt_def opts[] = {
        {.name = "--num", .kind = CLI_INT, .dst = &v.n, .meta = "N", .help = "a number\nline 2"},
        {.name = "--output",
         .alias = "-o",
         .kind = CLI_STR,
         .dst = &v.s,
         .meta = "FILE",
         .help = "a file"},
        {.name = "--mode",
         .kind = CLI_ENUM,
         .dst = &v.choice,
         .choices = "auto|kpos|im2col",
         .help = "a choice"},
        CLI_DATA_OPTS(&v.data),
        {0}};
    const cli_cmd_spec spec = {
        .cmd = "demo", .usage = "usage: demo\n", .notes = "the end\n", .opts = opts};
    FILE *f = open_memstream(&text, &n);
    cli_opts_help(&spec, f);
    fclose(f);
    cr_assert(strstr(text, "usage: demo\n\noptions:\n  --num N "), "%s", text);
    cr_assert(strstr(text, "a number\n                         line 2\n"), "%s", text);
    cr_assert(strstr(text, "  -o, --output FILE "), "%s", text);
    cr_assert(strstr(text, "  --mode auto|kpos|im2col\n"), "long ones wrap: %s", text);
    cr_assert(strstr(text, "\nCSV options"), "%s", text);
    cr_assert(strstr(text, "  --label-col K "), "%s", text);
    cr_assert(strstr(text, "\nthe end\n"), "%s", text);
    free(text);
}
