/*
** Output sinks for the data writers: bytes go to an an_afile (temporary file,
** fsync, rename), deflated into gzip format on the way when the target name
** ends in ".gz". The first failure sticks, so writers can write freely and
** check once at commit; abort and failed commits leave no file behind.
*/
#include "data_internal.h"

#include <stdlib.h>
#include <string.h>

#define SINK_CHUNK (1 << 16)

int an_data_ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

an_status an_data_sink_open(an_data_sink *k, const char *path) {
    *k = (an_data_sink){.gz = an_data_ends_with(path, ".gz")};
    if (k->gz) {
        k->zbuf = malloc(SINK_CHUNK);
        if (!k->zbuf) return an_fail(AN_ERR_NOMEM, "%s: out of memory", path);
        if (deflateInit2(&k->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            free(k->zbuf);
            return an_fail(AN_ERR_NOMEM, "%s: cannot start zlib", path);
        }
    }
    an_status s = an_afile_open(&k->f, path);
    if (s && k->gz) {
        deflateEnd(&k->z);
        free(k->zbuf);
    }
    return s;
}

/* Run deflate over the pending input with the given flush mode and write
** whatever it produces. */
static an_status sink_deflate(an_data_sink *k, int flush) {
    for (;;) {
        k->z.next_out = k->zbuf;
        k->z.avail_out = SINK_CHUNK;
        int rc = deflate(&k->z, flush);
        if (rc == Z_STREAM_ERROR) return an_fail(AN_ERR_INTERNAL, "%s: zlib error", k->f.path);
        an_status s = an_afile_write(&k->f, k->zbuf, SINK_CHUNK - k->z.avail_out);
        if (s) return s;
        if (flush == Z_FINISH ? rc == Z_STREAM_END : k->z.avail_out != 0) return AN_OK;
    }
}

an_status an_data_sink_write(an_data_sink *k, const void *buf, size_t n) {
    if (k->s || n == 0) return k->s;
    if (!k->gz) return k->s = an_afile_write(&k->f, buf, n);
    const uint8_t *p = buf;
    while (n && !k->s) {
        uInt part = (uInt)(n > (1u << 30) ? (1u << 30) : n);
        k->z.next_in = (Bytef *)p;
        k->z.avail_in = part;
        k->s = sink_deflate(k, Z_NO_FLUSH);
        p += part;
        n -= part;
    }
    return k->s;
}

/* Release the zlib state of a gzip sink. */
static void sink_release(an_data_sink *k) {
    if (k->gz) {
        deflateEnd(&k->z);
        free(k->zbuf);
        k->zbuf = NULL;
        k->gz = 0;
    }
}

an_status an_data_sink_commit(an_data_sink *k) {
    if (!k->s && k->gz) {
        k->z.next_in = NULL;
        k->z.avail_in = 0;
        k->s = sink_deflate(k, Z_FINISH);
    }
    sink_release(k);
    if (k->s) {
        an_afile_abort(&k->f);
        return k->s;
    }
    return an_afile_commit(&k->f);
}

void an_data_sink_abort(an_data_sink *k) {
    sink_release(k);
    an_afile_abort(&k->f);
}
