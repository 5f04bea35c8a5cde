/*
** Whole-file input for the data readers: read a file into one buffer and,
** when its content starts with the gzip magic (1f 8b), inflate it into a
** second buffer sized from the gzip trailer. Corrupt, truncated or
** oversized gzip data fail with one line naming the file.
*/
#include "data_internal.h"

#include <stdlib.h>
#include <string.h>

int an_data_is_gzip(const uint8_t *buf, size_t n) {
    return n >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

/* First guess of the output size: the ISIZE field of the last gzip member
** (size mod 2^32), bounded by deflate's best ratio (1032:1) and by max, so
** a lying trailer cannot make us allocate much more than the data needs. */
static size_t gunzip_guess(const uint8_t *in, size_t n, size_t max) {
    size_t guess = 1 << 16;
    if (n >= 18) {
        const uint8_t *t = in + n - 4;
        guess = (size_t)an_le_get(t, 4);
    }
    size_t bound = n > SIZE_MAX / 1032 ? SIZE_MAX : n * 1032;
    if (guess > bound) guess = bound;
    if (guess > max) guess = max;
    return guess < 64 ? 64 : guess;
}

/* Grow *buf (capacity *cap, plus one byte for the NUL) towards max. */
static an_status gunzip_grow(uint8_t **buf, size_t *cap, size_t max, const char *name) {
    if (*cap >= max)
        return an_fail(AN_ERR_RANGE, "%s: decompresses to more than %zu bytes", name, max);
    size_t want = *cap > max / 2 ? max : *cap * 2;
    uint8_t *p = realloc(*buf, want + 1);
    if (!p) return an_fail(AN_ERR_NOMEM, "%s: cannot allocate %zu bytes to gunzip", name, want);
    *buf = p;
    *cap = want;
    return AN_OK;
}

an_status an_data_gunzip(const uint8_t *in, size_t n, const char *name, size_t max, uint8_t **out,
                         size_t *out_n) {
    *out = NULL;
    *out_n = 0;
    size_t cap = gunzip_guess(in, n, max), len = 0;
    uint8_t *buf = malloc(cap + 1);
    if (!buf) return an_fail(AN_ERR_NOMEM, "%s: cannot allocate %zu bytes to gunzip", name, cap);
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        free(buf);
        return an_fail(AN_ERR_NOMEM, "%s: cannot start zlib", name);
    }
    an_status s = AN_OK;
    size_t pos = 0;
    int ended = 0;
    while (!s) {
        /* zlib counts in uInt: feed at most 1 GiB of input at a time. */
        size_t in_left = n - pos, room = cap - len;
        z.next_in = (Bytef *)(in + pos);
        z.avail_in = (uInt)(in_left > (1u << 30) ? (1u << 30) : in_left);
        z.next_out = buf + len;
        z.avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
        uInt in0 = z.avail_in, out0 = z.avail_out;
        int rc = inflate(&z, Z_NO_FLUSH);
        pos += in0 - z.avail_in;
        len += out0 - z.avail_out;
        if (rc == Z_STREAM_END) {
            ended = 1;
            /* Another member may follow (gzip allows concatenation). */
            if (pos == n) break;
            if (!an_data_is_gzip(in + pos, n - pos)) {
                s = an_fail(AN_ERR_FORMAT, "%s: corrupt gzip data: %zu stray bytes after the end",
                            name, n - pos);
                break;
            }
            inflateReset(&z);
            ended = 0;
        } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            s = an_fail(AN_ERR_FORMAT, "%s: corrupt gzip data: %s", name,
                        z.msg ? z.msg : "invalid stream");
        } else if (rc == Z_MEM_ERROR) {
            s = an_fail(AN_ERR_NOMEM, "%s: out of memory while gunzipping", name);
        } else if (len == cap) {
            s = gunzip_grow(&buf, &cap, max, name);
        } else if (pos == n) {
            break; /* input used up before the stream ended */
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            s = an_fail(AN_ERR_FORMAT, "%s: corrupt gzip data (zlib error %d)", name, rc);
        }
    }
    inflateEnd(&z);
    if (!s && !ended)
        s = an_fail(AN_ERR_FORMAT, "%s: corrupt gzip data: truncated (stream ends early)", name);
    if (s) {
        free(buf);
        return s;
    }
    buf[len] = '\0';
    *out = buf;
    *out_n = len;
    return AN_OK;
}

an_status an_data_read_all(const char *path, size_t max, uint8_t **buf, size_t *n, int *was_gz) {
    char *raw;
    size_t raw_n;
    *buf = NULL;
    *n = 0;
    if (was_gz) *was_gz = 0;
    an_status s = an_read_file(path, max, &raw, &raw_n);
    if (s) return s;
    if (!an_data_is_gzip((const uint8_t *)raw, raw_n)) {
        *buf = (uint8_t *)raw;
        *n = raw_n;
        return AN_OK;
    }
    if (was_gz) *was_gz = 1;
    s = an_data_gunzip((const uint8_t *)raw, raw_n, path, max, buf, n);
    free(raw);
    return s;
}
