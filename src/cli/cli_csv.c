/*
** CSV loading options shared by every command that reads data (data,
** train, eval, predict, quantize): label column, header, delimiter, value
** range, label range, sample shape. Their help text is CLI_CSV_HELP.
*/
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* "HxWxC" (or "HxW", "N") into the CSV shape. */
static int parse_shape(const char *s, an_csv_options *c) {
    int v[3] = {1, 1, 1}, k = 0;
    char *end;
    for (;;) {
        long x = strtol(s, &end, 10);
        if (end == s || x < 1 || x > 1 << 20 || k == 3) return -1;
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

/* "MIN:MAX" into the CSV range check. */
static int parse_range(const char *s, an_csv_options *c) {
    const char *colon = strchr(s, ':');
    double lo, hi;
    char buf[64];
    if (!colon || (size_t)(colon - s) >= sizeof buf) return -1;
    memcpy(buf, s, (size_t)(colon - s));
    buf[colon - s] = '\0';
    if (cli_parse_f64(buf, &lo) || cli_parse_f64(colon + 1, &hi) || lo > hi) return -1;
    c->check_range = 1;
    c->value_min = (float)lo;
    c->value_max = (float)hi;
    return 0;
}

int cli_csv_opt(const char *name, const char *val, an_csv_options *c) {
    int64_t i;
    if (strcmp(name, "--label-col") == 0) {
        if (cli_parse_i64(val, &i) || i < -10000 || i > 1000000) return -1;
        c->label_col = (int)i;
    } else if (strcmp(name, "--header") == 0) {
        if (strcmp(val, "yes") == 0)
            c->header = AN_HEADER_YES;
        else if (strcmp(val, "no") == 0)
            c->header = AN_HEADER_NO;
        else if (strcmp(val, "auto") == 0)
            c->header = AN_HEADER_AUTO;
        else
            return -1;
    } else if (strcmp(name, "--delim") == 0) {
        if (strcmp(val, "tab") == 0 || strcmp(val, "\\t") == 0)
            c->delim = '\t';
        else if (strcmp(val, "auto") == 0)
            c->delim = 0;
        else if (strlen(val) == 1 && val[0] != '"' && val[0] != '\n')
            c->delim = val[0];
        else
            return -1;
    } else if (strcmp(name, "--range") == 0) {
        return parse_range(val, c) ? -1 : 1;
    } else if (strcmp(name, "--max-label") == 0) {
        if (cli_parse_i64(val, &i) || i < 0 || i > 1000000) return -1;
        c->max_label = (int)i;
    } else if (strcmp(name, "--shape") == 0) {
        return parse_shape(val, c) ? -1 : 1;
    } else {
        return 0;
    }
    return 1;
}
