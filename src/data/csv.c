/*
** CSV reader: a label column and feature columns, one sample per line.
**
** Contract
** - Text is read whole (gunzipped when it is gzip) and parsed in two passes:
**   the first finds the delimiter, the header and the expected column count
**   (the most common count among data lines, so one bad first row cannot
**   condemn the rest); the second cleans each row (clean.c) into the set.
** - Lines end in \n or \r\n; blank lines are skipped; fields are trimmed and
**   may be double-quoted (a quoted delimiter does not split).
** - Dropped rows are counted per reason with their first line; under strict
**   the first bad row fails with "file:line: reason". Whole-file problems
**   (empty, no data row, no usable row, bad label column or shape) fail with
**   "file: reason".
*/
#include "data_internal.h"

#include <stdlib.h>
#include <string.h>

an_csv_options an_csv_defaults(void) {
    return (an_csv_options){.label_col = 0,
                            .header = AN_HEADER_AUTO,
                            .delim = ',',
                            .value_min = 0.0f,
                            .value_max = 255.0f,
                            .max_label = 9999};
}

an_status an_data_load_csv(const char *path, const an_csv_options *opt, an_dataset *ds,
                           an_clean_report *report) {
    uint8_t *buf;
    size_t n;
    *ds = (an_dataset){0};
    if (report) *report = (an_clean_report){0};
    an_status s = an_data_read_all(path, AN_DATA_MAX_BYTES, &buf, &n, NULL);
    if (s) return s;
    s = an_data_parse_csv((const char *)buf, n, path, opt, ds, report);
    free(buf);
    return s;
}

/* A cursor over the lines of the text. */
typedef struct csv_lines {
    const char *p, *end;
    int64_t line; /* 1-based number of the line last returned */
} csv_lines;

/* A cursor at the start of the text, past a UTF-8 byte order mark. */
static csv_lines lines_of(const char *text, size_t n) {
    csv_lines c = {text, text + n, 0};
    if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) c.p += 3;
    return c;
}

/* Next line into [*s, *e) without its \r\n; 0 at the end of the text. */
static int next_line(csv_lines *c, const char **s, const char **e) {
    if (c->p >= c->end) return 0;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    const char *stop = nl ? nl : c->end;
    *s = c->p;
    *e = stop > c->p && stop[-1] == '\r' ? stop - 1 : stop;
    c->p = nl ? nl + 1 : c->end;
    c->line++;
    return 1;
}

static int is_blank(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static int blank_line(const char *s, const char *e) {
    while (s < e && is_blank(*s)) s++;
    return s == e;
}

/* The field that starts at s (trimmed, surrounding quotes removed) into *f;
** returns where it stops: at its delimiter or at e. */
static const char *field_at(const char *s, const char *e, char delim, an_csv_field *f) {
    const char *a = s;
    int quoted = 0;
    while (s < e && (*s != delim || quoted)) quoted ^= *s++ == '"';
    const char *b = s;
    while (a < b && is_blank(*a)) a++;
    while (b > a && is_blank(b[-1])) b--;
    if (b - a >= 2 && *a == '"' && b[-1] == '"') a++, b--;
    *f = (an_csv_field){a, (size_t)(b - a)};
    return s;
}

/* Split [s, e) at delim into at most cap fields; returns the number of
** fields, which may exceed cap. */
static int split_fields(const char *s, const char *e, char delim, an_csv_field *f, int cap) {
    for (int nf = 0;; s++) {
        an_csv_field x;
        s = field_at(s, e, delim, &x);
        if (nf < cap) f[nf] = x;
        if (nf < INT32_MAX) nf++;
        if (s >= e) return nf;
    }
}

/* The most frequent of ',', ';' and tab in the line, ',' when none occurs. */
static char sniff_delim(const char *s, const char *e) {
    static const char cand[3] = {',', ';', '\t'};
    size_t count[3] = {0, 0, 0}, best = 0;
    for (const char *p = s; p < e; p++)
        for (int i = 0; i < 3; i++) count[i] += *p == cand[i];
    for (int i = 1; i < 3; i++)
        if (count[i] > count[best]) best = (size_t)i;
    return cand[best];
}

/* 1 when some non-empty field of the line is not a number: a header. */
static int looks_like_header(const char *s, const char *e, char delim) {
    for (;; s++) {
        an_csv_field f;
        double v;
        s = field_at(s, e, delim, &f);
        if (f.n && !an_csv_parse_number(f.s, f.n, &v)) return 1;
        if (s >= e) return 0;
    }
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* What the first pass learns about the text. */
typedef struct csv_plan {
    char delim;
    int64_t header_line; /* line number of the header, 0 when none */
    int64_t rows;        /* data lines */
    int ncols;           /* expected fields per data line: the most common count */
    int64_t fit;         /* data lines with ncols fields: the most that can be kept */
} csv_plan;

/* First pass: delimiter, header, data line count and the modal field count. */
static an_status csv_plan_text(const char *text, size_t n, const char *name,
                               const an_csv_options *opt, csv_plan *pl) {
    csv_lines c = lines_of(text, n);
    const char *s, *e;
    int *counts = NULL;
    size_t cap = 0;
    *pl = (csv_plan){.delim = opt->delim};
    while (next_line(&c, &s, &e)) {
        if (blank_line(s, e)) continue;
        if (!pl->delim) pl->delim = sniff_delim(s, e);
        if (!pl->header_line && !pl->rows && opt->header != AN_HEADER_NO &&
            (opt->header == AN_HEADER_YES || looks_like_header(s, e, pl->delim))) {
            pl->header_line = c.line;
            continue;
        }
        if ((size_t)pl->rows == cap) {
            size_t want = cap ? cap * 2 : 1024;
            int *p = realloc(counts, want * sizeof *p);
            if (!p) {
                free(counts);
                return an_fail(AN_ERR_NOMEM, "%s: out of memory counting rows", name);
            }
            counts = p;
            cap = want;
        }
        counts[pl->rows++] = split_fields(s, e, pl->delim, NULL, 0);
    }
    if (pl->rows == 0) {
        free(counts);
        if (n == 0) return an_fail(AN_ERR_FORMAT, "%s: empty file", name);
        return an_fail(AN_ERR_FORMAT, "%s: no data rows (only a header or blank lines)", name);
    }
    qsort(counts, (size_t)pl->rows, sizeof *counts, cmp_int);
    int64_t best = 0, run = 0;
    for (int64_t i = 0; i < pl->rows; i++) {
        run = i && counts[i] == counts[i - 1] ? run + 1 : 1;
        if (run > best) best = run, pl->ncols = counts[i];
    }
    pl->fit = best;
    free(counts);
    return AN_OK;
}

/* Label column index for ncols columns (negative counts from the end). */
static an_status csv_label_col(const an_csv_options *opt, int ncols, const char *name, int *col) {
    *col = opt->label_col < 0 ? ncols + opt->label_col : opt->label_col;
    if (ncols < 2)
        return an_fail(AN_ERR_FORMAT, "%s: rows have %d column; need a label and a feature", name,
                       ncols);
    if (*col < 0 || *col >= ncols)
        return an_fail(AN_ERR_USAGE, "%s: label column %d does not exist (rows have %d columns)",
                       name, opt->label_col, ncols);
    return AN_OK;
}

/* Allocate ds for pl->fit samples of the options' shape (or a guess). */
static an_status csv_alloc(const csv_plan *pl, const an_csv_options *opt, const char *name,
                           an_dataset *ds) {
    int64_t f = pl->ncols - 1;
    int h = opt->h, w = opt->w, c = opt->c;
    if (!h && !w && !c) {
        h = f == 784 ? 28 : 1;
        w = f == 784 ? 28 : (int)f;
        c = 1;
    }
    if (h < 1 || w < 1 || c < 1 || (int64_t)h * w > f || (int64_t)h * w * c != f)
        return an_fail(AN_ERR_FORMAT,
                       "%s: rows have %lld features but the shape %dx%dx%d needs %lld", name,
                       (long long)f, h, w, c, (long long)h * w * c);
    return an_dataset_alloc(ds, pl->fit, h, w, c);
}

/* Second pass: clean every data row into ds; counts go to r. */
static an_status csv_fill(const char *text, size_t n, const char *name, const an_csv_options *opt,
                          const csv_plan *pl, int label_col, an_dataset *ds, an_clean_report *r) {
    csv_lines c = lines_of(text, n);
    const char *s, *e;
    an_csv_field *f;
    an_status st = an_alloc_array((void **)&f, (size_t)pl->ncols + 1, sizeof *f, name);
    int64_t kept = 0;
    char why[160];
    while (!st && next_line(&c, &s, &e)) {
        if (blank_line(s, e) || c.line == pl->header_line) continue;
        r->rows_read++;
        int nf = split_fields(s, e, pl->delim, f, pl->ncols + 1);
        int reason = an_csv_clean_row(f, nf, pl->ncols, label_col, opt,
                                      ds->x + (size_t)kept * (size_t)ds->features, &ds->y[kept],
                                      why, sizeof why);
        if (reason == AN_DROP_COUNT) {
            kept++;
            continue;
        }
        if (opt->strict) st = an_fail(AN_ERR_FORMAT, "%s:%lld: %s", name, (long long)c.line, why);
        if (!r->dropped[reason]++) r->first_line[reason] = c.line;
    }
    free(f);
    r->rows_kept = kept;
    ds->n = kept;
    return st;
}

an_status an_data_parse_csv(const char *text, size_t n, const char *name, const an_csv_options *opt,
                            an_dataset *ds, an_clean_report *report) {
    an_csv_options defaults = an_csv_defaults();
    an_clean_report local;
    an_clean_report *r = report ? report : &local;
    csv_plan pl;
    int label_col;
    *ds = (an_dataset){0};
    *r = (an_clean_report){0};
    if (!opt) opt = &defaults;
    an_status s = csv_plan_text(text, n, name, opt, &pl);
    if (!s) s = csv_label_col(opt, pl.ncols, name, &label_col);
    if (!s) s = csv_alloc(&pl, opt, name, ds);
    if (!s) s = csv_fill(text, n, name, opt, &pl, label_col, ds, r);
    if (!s && ds->n == 0) {
        char why[512];
        an_clean_report_text(r, why, sizeof why);
        s = an_fail(AN_ERR_FORMAT, "%s: no usable rows: %lld read, all dropped: %s", name,
                    (long long)r->rows_read, why);
    }
    if (s) {
        an_dataset_free(ds);
        return s;
    }
    ds->num_classes = an_data_count_classes(ds);
    an_data_set_name(ds, name, NULL);
    return AN_OK;
}
