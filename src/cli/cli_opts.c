/*
** The CLI's option parser (cli_opts.h): argv against a command's table of
** options, the uniform usage errors, and the --help option list made from
** the same table. Depends on nothing but the C library, so that its unit
** test (tests/test_cli_opts.c) links it alone.
*/
#include "cli_opts.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HELP_COL 22 /* width of the option column in --help */

int cli_parse_i64(const char *s, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

int cli_parse_f64(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

const cli_opt_def *cli_opts_find(const cli_opt_def *table, const char *name) {
    for (const cli_opt_def *d = table; d && d->kind != CLI_END; d++)
        if (d->kind != CLI_HEADING &&
            (strcmp(d->name, name) == 0 || (d->alias && strcmp(d->alias, name) == 0)))
            return d;
    return NULL;
}

/* Edit distance of a and b, capped at 9 (names longer than 63 count 9). */
static int distance(const char *a, const char *b) {
    const size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63) return 9;
    int row[64];
    for (size_t j = 0; j <= m; j++) row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            const int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m] > 9 ? 9 : row[m];
}

/* The table's name closest to an unknown one, when it is a likely typo
** (two edits at most, or a prefix of it); NULL otherwise. */
static const char *closest(const cli_opt_def *table, const char *name) {
    const char *best = NULL;
    int best_d = 3;
    for (const cli_opt_def *d = table; d && d->kind != CLI_END; d++) {
        if (d->kind == CLI_HEADING || strlen(d->name) < 3) continue;
        int k = distance(name, d->name);
        if (strlen(name) >= 4 && strncmp(d->name, name, strlen(name)) == 0) k = 1;
        if (k < best_d) best_d = k, best = d->name;
    }
    return best;
}

/* "a whole number in 1..64" / "a number in (0, 1)" / "a number > 0". */
static void range_text(const cli_opt_def *d, char *out, size_t cap) {
    const int whole = d->kind != CLI_F64;
    const char *what = whole ? "a whole number" : "a number";
    const int lo_open = d->kind == CLI_F64 && (d->open & CLI_OPEN_LO);
    const int hi_open = d->kind == CLI_F64 && (d->open & CLI_OPEN_HI);
    if (d->hi >= CLI_NO_MAX / 2)
        snprintf(out, cap, "%s %s %.15g", what, lo_open ? ">" : ">=", d->lo);
    else if (whole)
        snprintf(out, cap, "%s in %.15g..%.15g", what, d->lo, d->hi);
    else
        snprintf(out, cap, "%s in %c%.15g, %.15g%c", what, lo_open ? '(' : '[', d->lo, d->hi,
                 hi_open ? ')' : ']');
}

/* In range for its kind. */
static int in_range(const cli_opt_def *d, double v) {
    if ((d->kind == CLI_F64 && (d->open & CLI_OPEN_LO)) ? v <= d->lo : v < d->lo) return 0;
    if (d->hi >= CLI_NO_MAX / 2) return 1;
    return (d->kind == CLI_F64 && (d->open & CLI_OPEN_HI)) ? v < d->hi : v <= d->hi;
}

/* Index of val among choices "a|b|c", or -1. */
static int choice_index(const char *choices, const char *val) {
    const size_t n = strlen(val);
    int k = 0;
    for (const char *p = choices; *p; k++) {
        const size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, val, n) == 0) return k;
        p += len + (p[len] == '|');
    }
    return -1;
}

/* "auto, kpos or im2col" from "auto|kpos|im2col". */
static void choices_text(const char *choices, char *out, size_t cap) {
    size_t used = 0;
    out[0] = 0;
    for (const char *p = choices; *p && used < cap;) {
        const size_t len = strcspn(p, "|");
        const char *sep = !used ? "" : p[len] ? ", " : " or ";
        used += (size_t)snprintf(out + used, cap - used, "%s%.*s", sep, (int)len, p);
        p += len + (p[len] == '|');
    }
}

/* Store val through d; 0, or -1 with the message in err. */
static int apply(const cli_opt_def *d, const char *val, char *err, size_t cap) {
    char takes[256] = "";
    double f = 0;
    int64_t i = 0;
    switch (d->kind) {
    case CLI_INT:
    case CLI_I64:
        if (cli_parse_i64(val, &i) == 0 && in_range(d, (double)i)) {
            if (d->kind == CLI_INT)
                *(int *)d->dst = (int)i;
            else
                *(int64_t *)d->dst = i;
            return 0;
        }
        range_text(d, takes, sizeof takes);
        break;
    case CLI_F64:
        if (cli_parse_f64(val, &f) == 0 && in_range(d, f)) {
            *(double *)d->dst = f;
            return 0;
        }
        range_text(d, takes, sizeof takes);
        break;
    case CLI_STR:
        *(const char **)d->dst = val;
        return 0;
    case CLI_ENUM: {
        const int k = choice_index(d->choices, val);
        if (k >= 0) {
            *(int *)d->dst = k;
            return 0;
        }
        choices_text(d->choices, takes, sizeof takes);
        break;
    }
    case CLI_FN: {
        char why[384] = "";
        if (d->fn(d, val, why, sizeof why) == 0) return 0;
        if (why[0]) {
            snprintf(err, cap, "%s", why);
            return -1;
        }
        snprintf(takes, sizeof takes, "%s", d->takes ? d->takes : "another value");
        break;
    }
    default:
        break;
    }
    snprintf(err, cap, "%s takes %s, not '%s'", d->name, takes, val);
    return -1;
}

int cli_opts_scan(const cli_cmd_spec *c, int argc, char **argv, int *npos, char *err, size_t cap) {
    int n = 0;
    err[0] = 0;
    if (npos) *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) return CLI_HELP;
        const int option = a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9') && a[1] != '.';
        if (!option) {
            if (n >= c->max_pos) {
                snprintf(err, cap, "unexpected argument '%s'", a);
                return CLI_BAD;
            }
            c->pos[n++] = a;
            continue;
        }
        char name[64];
        const char *eq = strchr(a, '='), *val = eq ? eq + 1 : NULL;
        const size_t len = eq ? (size_t)(eq - a) : strlen(a);
        snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), a);
        const cli_opt_def *d = len < sizeof name ? cli_opts_find(c->opts, name) : NULL;
        if (!d) {
            const char *near = closest(c->opts, name);
            snprintf(err, cap, "unknown option '%s'%s%s%s", name, near ? " (did you mean " : "",
                     near ? near : "", near ? "?)" : "");
            return CLI_BAD;
        }
        if (d->kind == CLI_FLAG) {
            if (val) {
                snprintf(err, cap, "%s takes no value (got '%s')", d->name, val);
                return CLI_BAD;
            }
            *(int *)d->dst = 1;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                snprintf(err, cap, "%s needs a value (%s)", d->name,
                         d->meta      ? d->meta
                         : d->choices ? d->choices
                                      : "a value");
                return CLI_BAD;
            }
            val = argv[++i];
        }
        if (apply(d, val, err, cap)) return CLI_BAD;
    }
    if (npos) *npos = n;
    if (n < c->min_pos) {
        snprintf(err, cap, "%s", c->needs ? c->needs : "needs more arguments");
        return CLI_BAD;
    }
    return 0;
}

/* One option's help entry: "  -o, --output FILE   text", the text on the
** next line when the left part is wider than its column. */
static void help_entry(const cli_opt_def *d, FILE *out) {
    char left[128];
    const char *meta = d->kind == CLI_FLAG ? NULL : d->meta ? d->meta : d->choices;
    snprintf(left, sizeof left, "%s%s%s%s%s", d->alias ? d->alias : "", d->alias ? ", " : "",
             d->name, meta ? " " : "", meta ? meta : "");
    const char *text = d->help ? d->help : "";
    if (strlen(left) >= HELP_COL)
        fprintf(out, "  %s\n%*s", left, HELP_COL + 3, "");
    else
        fprintf(out, "  %-*s ", HELP_COL, left);
    for (const char *p = text;;) {
        const size_t len = strcspn(p, "\n");
        fprintf(out, "%.*s\n", (int)len, p);
        if (!p[len] || !p[len + 1]) break;
        p += len + 1;
        fprintf(out, "%*s", HELP_COL + 3, "");
    }
}

void cli_opts_help(const cli_cmd_spec *c, FILE *out) {
    fputs(c->usage, out);
    int listed = 0;
    for (const cli_opt_def *d = c->opts; d && d->kind != CLI_END; d++) {
        if (d->kind == CLI_HEADING) {
            fprintf(out, "\n%s\n", d->help);
            listed = 1;
            continue;
        }
        if (!listed) fputs("\noptions:\n", out);
        listed = 1;
        help_entry(d, out);
    }
    if (c->notes) fprintf(out, "\n%s", c->notes);
}

int cli_parse(const cli_cmd_spec *c, int argc, char **argv, int *npos) {
    char err[512];
    const int rc = cli_opts_scan(c, argc, argv, npos, err, sizeof err);
    if (rc == CLI_HELP) cli_opts_help(c, stdout);
    if (rc == CLI_BAD)
        fprintf(stderr, "asicnn %s: %s\n(see 'asicnn %s --help')\n", c->cmd, err, c->cmd);
    return rc;
}
