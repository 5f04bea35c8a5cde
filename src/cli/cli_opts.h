/*
** The one option parser of the asicnn CLI. Every command describes its
** options as a table of cli_opt_def (name, kind, destination, range or
** choices, help line) and cli_parse scans argv against it:
**   - "--name value" and "--name=value"; a flag takes no value;
**   - other arguments are positional, in order ("-" and "-5" included);
**   - -h or --help prints the command's usage, then the option list made
**     from the table, then its notes.
** Every error names the option and the command, in one form:
**   asicnn compile: unknown option '--x' (did you mean --chip?)
**   asicnn compile: --batch needs a value (N)
**   asicnn compile: --batch takes a whole number in 1..65536, not 'abc'
** followed by "(see 'asicnn compile --help')". The data-set options are one
** shared fragment, CLI_DATA_OPTS(d), for every command that reads data.
** cli_opts_scan does the work and prints nothing (unit-tested); cli_parse
** prints. Nothing here exits.
*/
#ifndef ASICNN_CLI_OPTS_H
#define ASICNN_CLI_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_opt_kind {
    CLI_END = 0, /* the {0} that ends a table */
    CLI_HEADING, /* not an option: a heading of the help list (help) */
    CLI_FLAG,    /* no value; *(int *)dst = 1 */
    CLI_INT,     /* a whole number in [lo, hi] into int */
    CLI_I64,     /* a whole number in [lo, hi] into int64_t */
    CLI_F64,     /* a finite number in [lo, hi] (ends open per `open`) into double */
    CLI_STR,     /* any text: *(const char **)dst points into argv */
    CLI_ENUM,    /* one of choices "a|b|c": its index into int */
    CLI_FN,      /* checked and stored by fn */
} cli_opt_kind;

/* No upper bound. */
#define CLI_NO_MAX 1e300

/* CLI_F64's open ends: lo < v rather than lo <= v, v < hi rather than <=. */
enum { CLI_OPEN_LO = 1, CLI_OPEN_HI = 2 };

typedef struct cli_opt_def cli_opt_def;

/* A CLI_FN option's parser: 0 when val is good (stored through def->dst);
** else -1, with why (cap bytes) saying what is wrong, or left "" for
** "--NAME takes <def->takes>, not 'VAL'". */
typedef int (*cli_opt_fn)(const cli_opt_def *def, const char *val, char *why, size_t cap);

struct cli_opt_def {
    const char *name;  /* "--batch" or "-o" */
    const char *alias; /* another spelling ("-o" beside "--output"), or NULL */
    cli_opt_kind kind;
    void *dst;           /* where the value goes (see the kinds) */
    const char *meta;    /* the value's name in help and messages: "N", "FILE" */
    const char *help;    /* the help text; '\n' starts another line */
    double lo, hi;       /* CLI_INT, CLI_I64, CLI_F64 bounds (hi CLI_NO_MAX: none) */
    int open;            /* CLI_F64: CLI_OPEN_LO | CLI_OPEN_HI */
    const char *choices; /* CLI_ENUM: "auto|kpos|im2col" */
    cli_opt_fn fn;       /* CLI_FN */
    const char *takes;   /* CLI_FN: what it takes, for the message */
};

/* A command's arguments: its name (in every message), help text, option
** tables and positional arguments. */
typedef struct cli_cmd_spec {
    const char *cmd;         /* "compile", "data info" */
    const char *usage;       /* --help: printed before the option list */
    const char *notes;       /* --help: printed after it (NULL: none) */
    const cli_opt_def *opts; /* ends with {0}; NULL: no options */
    const char **pos;        /* positional arguments, in order */
    int min_pos, max_pos;    /* how many it takes */
    const char *needs;       /* the message when fewer: "needs model.q8 and DATA" */
} cli_cmd_spec;

/* What cli_opts_scan and cli_parse return besides 0 (go on). */
enum { CLI_HELP = -1, CLI_BAD = 1 };

/* Scan argv[1..argc) (argv[0] is the command) into c's destinations and
** positional slots (count in *npos, may be NULL). 0 when the command goes
** on; CLI_HELP when -h/--help came (nothing after it read); CLI_BAD with
** the message in err (cap bytes). Prints nothing. */
int cli_opts_scan(const cli_cmd_spec *c, int argc, char **argv, int *npos, char *err, size_t cap);

/* The --help text: usage, the option list made from the tables, notes. */
void cli_opts_help(const cli_cmd_spec *c, FILE *out);

/* cli_opts_scan, then the help on stdout or the error on stderr. Returns
** 0 (go on) or the exit code the command returns now: 0 after --help, 1
** after a usage error. */
int cli_parse(const cli_cmd_spec *c, int argc, char **argv, int *npos);

/* Parse a whole decimal integer / finite number, all of s; 0 on success. */
int cli_parse_i64(const char *s, int64_t *out);
int cli_parse_f64(const char *s, double *out);

/* The option whose name or alias is `name` in table (NULL: none). */
const cli_opt_def *cli_opts_find(const cli_opt_def *table, const char *name);

#endif /* ASICNN_CLI_OPTS_H */
