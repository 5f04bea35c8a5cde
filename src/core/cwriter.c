/*
** Checksummed little-endian writer (see an_cwriter in core.h): integers and
** floats are written byte by byte in little-endian order whatever the host,
** a running CRC32 covers every byte, and the file appears only on success;
** or the same bytes into a memory buffer (an_cw_open_mem).
*/
#include "asicnn/core.h"

#include <string.h>

an_status an_cw_open(an_cwriter *w, const char *path) {
    *w = (an_cwriter){.crc = 0};
    return w->s = an_afile_open(&w->f, path);
}

void an_cw_open_mem(an_cwriter *w, an_buf *mem) {
    *w = (an_cwriter){.mem = mem};
}

void an_cw_bytes(an_cwriter *w, const void *p, size_t n) {
    if (w->s || n == 0) return;
    w->crc = an_crc32(w->crc, p, n);
    if (!w->mem) {
        w->s = an_afile_write(&w->f, p, n);
        return;
    }
    an_buf_append(w->mem, p, n);
    if (w->mem->oom) w->s = an_fail(AN_ERR_NOMEM, "out of memory for %zu bytes", w->mem->len + n);
}

void an_cw_u32(an_cwriter *w, uint32_t v) {
    uint8_t b[4];
    an_le_put(b, v, 4);
    an_cw_bytes(w, b, 4);
}

void an_cw_u64(an_cwriter *w, uint64_t v) {
    an_cw_u32(w, (uint32_t)v);
    an_cw_u32(w, (uint32_t)(v >> 32));
}

void an_cw_i32s(an_cwriter *w, const int32_t *v, int64_t n) {
    for (int64_t i = 0; i < n; i++) an_cw_u32(w, (uint32_t)v[i]);
}

void an_cw_f32s(an_cwriter *w, const float *v, int64_t n) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    an_cw_bytes(w, v, (size_t)n * 4);
#else
    for (int64_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        an_cw_u32(w, u);
    }
#endif
}

an_status an_cw_finish(an_cwriter *w) {
    uint32_t crc = w->crc;
    an_cw_u32(w, crc);
    if (w->mem) return w->s;
    if (w->s) {
        an_afile_abort(&w->f);
        return w->s;
    }
    return an_afile_commit(&w->f);
}
