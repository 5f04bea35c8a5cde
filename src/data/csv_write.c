/*
** CSV writer: "label,x0,x1,..." then one line per sample, label first.
** Values are printed so that they read back exactly (integers as digits,
** anything else with %.9g, enough for every float). Output goes through a
** sink: gzip for a ".gz" name, atomic in every case.
*/
#include "data_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CSV_LINE_CHUNK 8192

/* Append v to out (room for at least 32 bytes); returns the length. */
static size_t format_value(char *out, float v) {
    if (v == floorf(v) && fabsf(v) < 1e9f) { /* integral: digits, fast */
        long x = (long)v;
        char tmp[16];
        size_t n = 0, k = 0;
        if (x < 0) out[n++] = '-', x = -x;
        do tmp[k++] = (char)('0' + x % 10);
        while ((x /= 10) != 0);
        while (k) out[n++] = tmp[--k];
        return n;
    }
    return (size_t)snprintf(out, 32, "%.9g", (double)v);
}

an_status an_data_write_csv(const an_dataset *ds, const char *path) {
    if (!ds->y) return an_fail(AN_ERR_FORMAT, "%s: the data set has no labels to write", path);
    an_data_sink k;
    an_status s = an_data_sink_open(&k, path);
    if (s) return s;
    char buf[CSV_LINE_CHUNK + 64];
    size_t len = (size_t)snprintf(buf, sizeof buf, "label");
    for (int64_t j = 0; j < ds->features; j++) {
        len += (size_t)snprintf(buf + len, 32, ",x%lld", (long long)j);
        if (len >= CSV_LINE_CHUNK) an_data_sink_write(&k, buf, len), len = 0;
    }
    buf[len++] = '\n';
    for (int64_t i = 0; i < ds->n && !k.s; i++) {
        const float *x = ds->x + (size_t)i * (size_t)ds->features;
        len += (size_t)snprintf(buf + len, 32, "%d", (int)ds->y[i]);
        for (int64_t j = 0; j < ds->features; j++) {
            buf[len++] = ',';
            len += format_value(buf + len, x[j]);
            if (len >= CSV_LINE_CHUNK) an_data_sink_write(&k, buf, len), len = 0;
        }
        buf[len++] = '\n';
        if (len >= CSV_LINE_CHUNK) an_data_sink_write(&k, buf, len), len = 0;
    }
    an_data_sink_write(&k, buf, len);
    return an_data_sink_commit(&k); /* aborts instead when a write failed */
}
