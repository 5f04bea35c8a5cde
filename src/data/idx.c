/*
** IDX reader (LeCun's MNIST format): 2 zero bytes, a type code, the number of
** dimensions, one big-endian u32 per dimension, then the values, big-endian,
** row-major. Plain or gzip (detected by content).
**
** Contract: an_idx_parse trusts nothing. It checks the magic, the type code,
** 1..4 dimensions, that the element count neither overflows nor exceeds
** 2^31 - 1, that the file length equals header + data exactly, and that float
** values are finite; each failure is one line naming the file. It allocates
** only after the length check, so memory use is bounded by the input size.
*/
#include "data_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IDX_MAX_ELEMENTS (((uint64_t)1 << 31) - 1) /* so every dimension fits an int */

/* Element size of an IDX type code, 0 when the code is unknown. */
static size_t idx_type_size(uint8_t type) {
    switch (type) {
    case 0x08:
    case 0x09:
        return 1;
    case 0x0B:
        return 2;
    case 0x0C:
    case 0x0D:
        return 4;
    case 0x0E:
        return 8;
    default:
        return 0;
    }
}

static const char *idx_type_name(uint8_t type) {
    switch (type) {
    case 0x08:
        return "u8";
    case 0x09:
        return "i8";
    case 0x0B:
        return "i16";
    case 0x0C:
        return "i32";
    case 0x0D:
        return "f32";
    default:
        return "f64";
    }
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p) {
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Element i of a buffer of the given type, as a double. */
static double idx_value(const uint8_t *p, uint8_t type, size_t i) {
    switch (type) {
    case 0x08:
        return p[i];
    case 0x09:
        return (int8_t)p[i];
    case 0x0B:
        return (int16_t)(uint16_t)(p[2 * i] << 8 | p[2 * i + 1]);
    case 0x0C:
        return (int32_t)be32(p + 4 * i);
    case 0x0D: {
        uint32_t u = be32(p + 4 * i);
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    default: {
        uint64_t u = be64(p + 8 * i);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    }
}

/* "60000x28x28" into buf. */
static const char *idx_dims_str(const an_idx *x, char *buf, size_t n) {
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < x->ndim && off < n; i++)
        off += (size_t)snprintf(buf + off, n - off, i ? "x%u" : "%u", x->dim[i]);
    return buf;
}

/* Check the header of buf; on success fill type, ndim, dim, count and set
** *data_bytes to the size of the payload that must follow. */
static an_status idx_header(const uint8_t *buf, size_t n, const char *name, an_idx *x,
                            size_t *header_bytes, size_t *data_bytes) {
    if (n == 0) return an_fail(AN_ERR_FORMAT, "%s: empty file", name);
    if (n < 4)
        return an_fail(AN_ERR_FORMAT, "%s: truncated: %zu bytes, too short for an IDX header", name,
                       n);
    if (buf[0] != 0 || buf[1] != 0)
        return an_fail(AN_ERR_FORMAT,
                       "%s: not an IDX file: magic 0x%02x%02x%02x%02x does not start with 0x0000",
                       name, buf[0], buf[1], buf[2], buf[3]);
    x->type = buf[2];
    if (!idx_type_size(x->type))
        return an_fail(AN_ERR_FORMAT,
                       "%s: unknown IDX data type 0x%02x (expected 08, 09, 0B, 0C, 0D or 0E)", name,
                       x->type);
    x->ndim = buf[3];
    if (x->ndim < 1 || x->ndim > 4)
        return an_fail(AN_ERR_FORMAT, "%s: IDX file with %d dimensions (asicnn reads 1 to 4)", name,
                       x->ndim);
    *header_bytes = 4 + 4 * (size_t)x->ndim;
    if (n < *header_bytes)
        return an_fail(AN_ERR_FORMAT,
                       "%s: truncated: %d dimensions need a %zu-byte header but file "
                       "has %zu bytes",
                       name, x->ndim, *header_bytes, n);
    for (int i = 0; i < x->ndim; i++) x->dim[i] = be32(buf + 4 + 4 * i);
    uint64_t count = 1;
    for (int i = 0; i < x->ndim; i++) {
        count *= x->dim[i]; /* below 2^31 * 2^32: no uint64 overflow */
        if (count > IDX_MAX_ELEMENTS) {
            char d[64];
            return an_fail(AN_ERR_FORMAT,
                           "%s: dimensions %s hold 2^31 elements or more (corrupt header?)", name,
                           idx_dims_str(x, d, sizeof d));
        }
    }
    x->count = (int64_t)count;
    *data_bytes = (size_t)count * idx_type_size(x->type);
    return AN_OK;
}

an_status an_idx_parse(const uint8_t *buf, size_t n, const char *name, an_idx *out) {
    an_idx x = {0};
    size_t hb = 0, db = 0;
    *out = x;
    an_status s = idx_header(buf, n, name, &x, &hb, &db);
    if (s) return s;
    if (n - hb != db) {
        char d[64];
        return an_fail(AN_ERR_FORMAT,
                       "%s: %s: header says %s %s (%zu bytes) but file has %zu bytes", name,
                       n - hb < db ? "truncated" : "trailing bytes", idx_dims_str(&x, d, sizeof d),
                       idx_type_name(x.type), hb + db, n);
    }
    s = an_alloc_array((void **)&x.values, (size_t)x.count, sizeof(float), name);
    if (s) return s;
    const uint8_t *p = buf + hb;
    double lo = INFINITY, hi = -INFINITY;
    if (x.type == 0x08) { /* the common case (images): a tight loop */
        uint8_t a = 255, b = 0;
        for (size_t i = 0; i < (size_t)x.count; i++) {
            x.values[i] = p[i];
            a = p[i] < a ? p[i] : a;
            b = p[i] > b ? p[i] : b;
        }
        lo = a;
        hi = b;
    }
    for (size_t i = 0; x.type != 0x08 && i < (size_t)x.count; i++) {
        double v = idx_value(p, x.type, i);
        if (!(fabs(v) <= FLT_MAX)) { /* NaN, infinity, or beyond float: checked before the cast */
            free(x.values);
            return an_fail(AN_ERR_FORMAT, "%s: element %zu (%g) is not a finite float", name, i, v);
        }
        float f = (float)v;
        x.values[i] = f;
        lo = f < lo ? f : lo;
        hi = f > hi ? f : hi;
    }
    x.vmin = x.count ? lo : 0;
    x.vmax = x.count ? hi : 0;
    *out = x;
    return AN_OK;
}

an_status an_idx_read(const char *path, an_idx *out) {
    uint8_t *buf;
    size_t n;
    *out = (an_idx){0};
    an_status s = an_data_read_all(path, AN_DATA_MAX_BYTES, &buf, &n, NULL);
    if (s) return s;
    s = an_idx_parse(buf, n, path, out);
    free(buf);
    return s;
}

void an_idx_free(an_idx *idx) {
    free(idx->values);
    *idx = (an_idx){0};
}
