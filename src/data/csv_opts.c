/*
** CSV loading options as text: set one option by name (the CLI's names,
** without "--"), write them all as one line of "name=value" pairs, and read
** that line back. Checkpoints, .q8 files (and the .npu executables that
** embed them) and ONNX exports store this line, so every later command reads
** a data set with the columns it was trained on.
**
**   label-col=K header=auto|yes|no delim=comma|semicolon|tab|space|auto|C
**   max-label=N shape=auto|HxWxC [range=MIN:MAX]
**
** Errors are AN_ERR_USAGE naming the option, the value and what it takes.
*/
#include "data_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A whole decimal integer in [lo, hi]; 0 on success. */
static int parse_int(const char *s, long lo, long hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

/* "HxWxC", "HxW" or "N" (or "auto") into the shape fields. */
static int parse_shape(const char *s, an_csv_options *c) {
    if (strcmp(s, "auto") == 0) {
        c->h = c->w = c->c = 0;
        return 0;
    }
    int v[3] = {1, 1, 1}, k = 0;
    char *end;
    for (;;) {
        errno = 0;
        long x = strtol(s, &end, 10);
        if (errno || end == s || x < 1 || x > 1 << 20 || k == 3) return -1;
        v[k++] = (int)x;
        if (*end == '\0') break;
        if (*end != 'x') return -1;
        s = end + 1;
    }
    c->h = k == 1 ? 1 : v[0];
    c->w = k == 1 ? v[0] : v[1];
    c->c = k == 3 ? v[2] : 1;
    return 0;
}

/* "MIN:MAX" into the range check. */
static int parse_range(const char *s, an_csv_options *c) {
    char *end;
    double lo = strtod(s, &end);
    if (end == s || *end != ':' || !isfinite(lo)) return -1;
    const char *b = end + 1;
    double hi = strtod(b, &end);
    if (end == b || *end || !isfinite(hi) || lo > hi) return -1;
    c->check_range = 1;
    c->value_min = (float)lo;
    c->value_max = (float)hi;
    return 0;
}

static const struct {
    const char *name;
    char ch;
} DELIMS[] = {{"comma", ','}, {"semicolon", ';'}, {"tab", '\t'},
              {"\\t", '\t'},  {"space", ' '},     {"auto", 0}};

static int parse_delim(const char *s, char *out) {
    for (size_t k = 0; k < sizeof DELIMS / sizeof DELIMS[0]; k++)
        if (strcmp(s, DELIMS[k].name) == 0) return *out = DELIMS[k].ch, 0;
    if (strlen(s) != 1 || s[0] == '"' || s[0] == '\n' || s[0] == '\r' || s[0] == '.' ||
        s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
        return -1;
    *out = s[0];
    return 0;
}

an_status an_csv_option_set(an_csv_options *c, const char *name, const char *value) {
    const char *want = NULL;
    if (strcmp(name, "label-col") == 0) {
        if (parse_int(value, -10000, 1000000, &c->label_col))
            want = "a column number (0 first, -1 last)";
    } else if (strcmp(name, "header") == 0) {
        if (strcmp(value, "yes") == 0)
            c->header = AN_HEADER_YES;
        else if (strcmp(value, "no") == 0)
            c->header = AN_HEADER_NO;
        else if (strcmp(value, "auto") == 0)
            c->header = AN_HEADER_AUTO;
        else
            want = "yes, no or auto";
    } else if (strcmp(name, "delim") == 0) {
        if (parse_delim(value, &c->delim))
            want = "one character, or comma, semicolon, tab, space or auto";
    } else if (strcmp(name, "range") == 0) {
        if (parse_range(value, c)) want = "MIN:MAX with MIN <= MAX";
    } else if (strcmp(name, "max-label") == 0) {
        if (parse_int(value, 0, 1000000, &c->max_label)) want = "a whole number in 0..1000000";
    } else if (strcmp(name, "shape") == 0) {
        if (parse_shape(value, c)) want = "HxWxC, HxW or N (e.g. 28x28x1)";
    } else {
        return an_fail(AN_ERR_USAGE, "unknown data option '%s'", name);
    }
    if (want) return an_fail(AN_ERR_USAGE, "--%s '%s': takes %s", name, value, want);
    return AN_OK;
}

void an_csv_options_format(const an_csv_options *c, char *buf, size_t n) {
    char delim[16];
    const char *dn = NULL;
    for (size_t k = 0; k < sizeof DELIMS / sizeof DELIMS[0] && !dn; k++)
        if (DELIMS[k].ch == c->delim && DELIMS[k].name[0] != '\\') dn = DELIMS[k].name;
    if (!dn) snprintf(delim, sizeof delim, "%c", c->delim), dn = delim;
    static const char *const HDR[] = {"auto", "yes", "no"};
    char shape[48] = "auto";
    if (c->h > 0 && c->w > 0 && c->c > 0)
        snprintf(shape, sizeof shape, "%dx%dx%d", c->h, c->w, c->c);
    int k = snprintf(buf, n, "label-col=%d header=%s delim=%s max-label=%d shape=%s", c->label_col,
                     HDR[c->header <= AN_HEADER_NO ? c->header : 0], dn, c->max_label, shape);
    if (c->check_range && k > 0 && (size_t)k < n)
        snprintf(buf + k, n - (size_t)k, " range=%.9g:%.9g", (double)c->value_min,
                 (double)c->value_max);
}

an_status an_csv_options_parse(const char *text, const char *source, an_csv_options *c) {
    char item[96];
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        size_t len = strcspn(p, " ");
        if (len >= sizeof item)
            return an_fail(AN_ERR_FORMAT, "%s: data option '%.20s...' too long", source, p);
        memcpy(item, p, len);
        item[len] = '\0';
        p += len;
        char *eq = strchr(item, '=');
        if (!eq) return an_fail(AN_ERR_FORMAT, "%s: data option '%s' has no value", source, item);
        *eq = '\0';
        an_status s = an_csv_option_set(c, item, eq + 1);
        if (s) return an_fail_context(AN_ERR_FORMAT, "%s: stored data options", source);
    }
    return AN_OK;
}
