/*
** Cleaning: the checks one CSV row must pass to become a sample, in a fixed
** order (column count, numbers, finiteness, feature range, label range), so
** every dropped row is counted under exactly one reason. The CSV driver
** (csv.c) decides whether a failed row is dropped or fails the load.
*/
#include "data_internal.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const AN_DROP_REASON_NAME[AN_DROP_COUNT] = {
    [AN_DROP_COLUMNS] = "wrong column count", [AN_DROP_NONNUMERIC] = "non-numeric field",
    [AN_DROP_NONFINITE] = "NaN or infinity",  [AN_DROP_PIXEL_RANGE] = "value out of range",
    [AN_DROP_LABEL_RANGE] = "bad label",
};

int an_csv_parse_number(const char *s, size_t n, double *v) {
    char buf[128];
    if (n == 0 || n >= sizeof buf) return 0;
    for (size_t i = 0; i < n; i++) /* decimal only: no hex floats, no NUL bytes */
        if (s[i] == 'x' || s[i] == 'X' || s[i] == '\0' || isspace((unsigned char)s[i])) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    *v = strtod(buf, &end);
    return end == buf + n;
}

/* Field text for messages: at most 24 characters, non-printables as '?'. */
static void field_text(const an_csv_field *f, char *out, size_t cap) {
    size_t m = f->n < 24 ? f->n : 24, j = 0;
    for (size_t i = 0; i < m && j + 1 < cap; i++)
        out[j++] = isprint((unsigned char)f->s[i]) ? f->s[i] : '?';
    out[j] = '\0';
    if (f->n > m && j + 4 < cap) strcpy(out + j, "...");
}

int an_csv_clean_row(const an_csv_field *f, int nf, int ncols, int label_col,
                     const an_csv_options *opt, float *x, int32_t *y, char *why, size_t why_n) {
    char t[32];
    if (nf != ncols) {
        snprintf(why, why_n, "wrong number of columns: %d, expected %d", nf, ncols);
        return AN_DROP_COLUMNS;
    }
    int nonfinite = -1;
    double label = 0;
    for (int i = 0, k = 0; i < nf; i++) {
        double v;
        if (!an_csv_parse_number(f[i].s, f[i].n, &v)) {
            field_text(&f[i], t, sizeof t);
            snprintf(why, why_n, "field %d is not a number: '%s'", i + 1, t);
            return AN_DROP_NONNUMERIC;
        }
        if (!(fabs(v) <= FLT_MAX) && nonfinite < 0) nonfinite = i; /* also beyond float */
        if (i == label_col)
            label = v;
        else if (nonfinite < 0)
            x[k++] = (float)v;
    }
    if (nonfinite >= 0) {
        field_text(&f[nonfinite], t, sizeof t);
        snprintf(why, why_n, "field %d is not a finite number: '%s'", nonfinite + 1, t);
        return AN_DROP_NONFINITE;
    }
    for (int i = 0; opt->check_range && i < nf - 1; i++) {
        if (x[i] < opt->value_min || x[i] > opt->value_max) {
            int col = i < label_col ? i : i + 1;
            snprintf(why, why_n, "field %d value %g outside [%g, %g]", col + 1, (double)x[i],
                     (double)opt->value_min, (double)opt->value_max);
            return AN_DROP_PIXEL_RANGE;
        }
    }
    if (!(label >= 0 && label <= opt->max_label && label == floor(label))) {
        snprintf(why, why_n, "label %g is not an integer in [0, %d]", label, opt->max_label);
        return AN_DROP_LABEL_RANGE;
    }
    *y = (int32_t)label;
    return AN_DROP_COUNT;
}

void an_clean_report_text(const an_clean_report *r, char *buf, size_t n) {
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < AN_DROP_COUNT && off < n; i++) {
        if (!r->dropped[i]) continue;
        off += (size_t)snprintf(buf + off, n - off, "%s%lld %s (first at line %lld)",
                                off ? ", " : "", (long long)r->dropped[i], AN_DROP_REASON_NAME[i],
                                (long long)r->first_line[i]);
    }
}
