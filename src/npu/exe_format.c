/*
** The .npu file layout, written and read by the same code: each section is
** described once by a function over a codec that either writes the fields
** or reads them back (bounds-checked; a short or oversized section is an
** error naming it). Field validation and the dry run are in exe_load.c.
**
**   header  magic "ANNPU\0\0\0", version u32, sections u32, batch u32,
**           reserved u32, dram_size u64, crc32 of those 32 bytes
**   section tag[4], length u32, payload, crc32(payload)   x 7, in order:
**           CONF INSN DATA TENS LAYR HOST QREF
** Little-endian throughout (docs/npu.md lists every field). an_npu_save
** streams the same bytes to the file (lengths counted first), without an
** image of the whole file in memory.
*/
#include "npu_internal.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t MAGIC[8] = {'A', 'N', 'N', 'P', 'U', 0, 0, 0};
static const char *const TAGS[] = {"CONF", "INSN", "DATA", "TENS", "LAYR", "HOST", "QREF"};
#define N_SECTIONS   7
#define HEADER_BYTES 36
#define MAX_SECTION  (INT64_C(1) << 30)

typedef struct codec {
    int writing;
    uint8_t *buf; /* writing: grown; reading: the section payload */
    size_t n, cap, at;
    int err;          /* reading: ran past the end; writing: out of memory */
    const char *what; /* section, for messages */
    /* writing to a file (an_npu_save): only n counts the bytes (counting), or
       buf (cap bytes) is a window flushed to sink, crc of what went there */
    int counting;
    an_afile *sink;
    uint32_t crc;
    an_status sink_status;
} codec;

/* Writing to a sink: the window's bytes to the file. */
static void flush(codec *c) {
    if (!c->n || c->err) return;
    c->crc = an_crc32(c->crc, c->buf, c->n);
    if ((c->sink_status = an_afile_write(c->sink, c->buf, c->n))) c->err = 1;
    c->n = 0;
}

/* Writing to a sink: n bytes at p through the window. */
static void sink_bytes(codec *c, const void *p, size_t n) {
    if (c->n + n > c->cap) flush(c);
    if (c->err) return;
    if (n > c->cap) { /* a large array: straight to the file */
        c->crc = an_crc32(c->crc, p, n);
        if ((c->sink_status = an_afile_write(c->sink, p, n))) c->err = 1;
        return;
    }
    memcpy(c->buf + c->n, p, n);
    c->n += n;
}

/* Writing: room for n more bytes (doubling; a sink or a count needs none). */
static int reserve(codec *c, size_t n) {
    if (c->counting || c->sink || c->n + n <= c->cap) return 1;
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < c->n + n) cap *= 2;
    uint8_t *b = realloc(c->buf, cap);
    if (!b) {
        c->err = 1;
        return 0;
    }
    c->buf = b, c->cap = cap;
    return 1;
}

static void io_bytes(codec *c, void *p, size_t n) {
    if (c->err) return;
    if (c->writing) {
        if (c->counting) {
            c->n += n;
            return;
        }
        if (c->sink) {
            sink_bytes(c, p, n);
            return;
        }
        if (!reserve(c, n)) return;
        if (n) memcpy(c->buf + c->n, p, n);
        c->n += n;
    } else {
        if (n > c->n - c->at) {
            c->err = 1;
            memset(p, 0, n);
            return;
        }
        if (n) memcpy(p, c->buf + c->at, n);
        c->at += n;
    }
}

/* Little-endian integers of 4 and 8 bytes. */
static void io_u64(codec *c, uint64_t *v) {
    uint8_t b[8];
    an_le_put(b, *v, 8);
    io_bytes(c, b, 8);
    if (!c->writing) *v = an_le_get(b, 8);
}
static void io_u32(codec *c, uint32_t *v) {
    uint8_t b[4];
    an_le_put(b, *v, 4);
    io_bytes(c, b, 4);
    if (!c->writing) *v = (uint32_t)an_le_get(b, 4);
}
static void io_i32(codec *c, int32_t *v) {
    uint32_t u = (uint32_t)*v;
    io_u32(c, &u);
    *v = (int32_t)u;
}
static void io_i64(codec *c, int64_t *v) {
    uint64_t u = (uint64_t)*v;
    io_u64(c, &u);
    *v = (int64_t)u;
}
static void io_f32(codec *c, float *v) {
    uint32_t u;
    memcpy(&u, v, 4);
    io_u32(c, &u);
    memcpy(v, &u, 4);
}
static void io_f64(codec *c, double *v) {
    uint64_t u;
    memcpy(&u, v, 8);
    io_u64(c, &u);
    memcpy(v, &u, 8);
}

/* An array of count elements of size bytes: reading allocates it after
** checking that the section holds that many (min_bytes each on disk). */
static int io_array(codec *c, void **p, int64_t count, size_t size, size_t min_bytes) {
    if (c->err) return 0;
    if (!c->writing) {
        if (count < 0 || (uint64_t)count > (c->n - c->at) / (min_bytes ? min_bytes : 1) ||
            !(*p = calloc((size_t)(count ? count : 1), size))) {
            c->err = 1;
            return 0;
        }
    }
    return 1;
}

static void io_config(codec *c, an_npu_config *g) {
    io_bytes(c, g->name, sizeof g->name);
    io_i32(c, &g->rows), io_i32(c, &g->cols);
    io_i64(c, &g->act_bytes), io_i64(c, &g->wgt_bytes), io_i64(c, &g->acc_bytes);
    io_i32(c, &g->vec_lanes);
    io_f64(c, &g->dram_bytes_per_cycle);
    io_i32(c, &g->dram_latency), io_i32(c, &g->dram_burst);
    io_f64(c, &g->clock_mhz);
    io_i32(c, &g->insn_depth), io_i32(c, &g->token_depth), io_i32(c, &g->tech_nm);
}

static void io_tensor(codec *c, an_tensor *t) {
    io_i64(c, &t->dram);
    io_i32(c, &t->h), io_i32(c, &t->w), io_i32(c, &t->c);
    io_f32(c, &t->scale);
    io_i32(c, &t->zero_point);
}

static void io_insns(codec *c, an_npu_exe *x) {
    io_i64(c, &x->n_insns);
    if (!io_array(c, (void **)&x->insns, x->n_insns, sizeof *x->insns, AN_ISA_BYTES)) return;
    if (c->writing && !reserve(c, (size_t)x->n_insns * AN_ISA_BYTES)) return;
    for (int64_t i = 0; i < x->n_insns; i++) {
        uint8_t b[AN_ISA_BYTES];
        if (c->writing) an_isa_to_bytes(&x->insns[i], b);
        io_bytes(c, b, sizeof b);
        if (!c->writing) an_isa_from_bytes(b, &x->insns[i]);
    }
}

static void io_data(codec *c, an_npu_exe *x) {
    io_i64(c, &x->data_size);
    if (io_array(c, (void **)&x->data, x->data_size, 1, 1))
        io_bytes(c, x->data, (size_t)x->data_size);
}

static void io_in_layout(codec *c, an_npu_input_layout *l) {
    io_i32(c, &l->layout);
    io_i32(c, &l->kh), io_i32(c, &l->kw), io_i32(c, &l->sh), io_i32(c, &l->sw);
    io_i32(c, &l->pt), io_i32(c, &l->pl), io_i32(c, &l->oh), io_i32(c, &l->ow);
    io_i32(c, &l->row_bytes), io_i32(c, &l->rows_per_px);
}

static void io_tensors(codec *c, an_npu_exe *x) {
    io_tensor(c, &x->input);
    io_in_layout(c, &x->in_layout);
    io_tensor(c, &x->output);
    io_i64(c, &x->n_affine);
    if (io_array(c, (void **)&x->in_mul, x->n_affine, 4, 8) &&
        io_array(c, (void **)&x->in_add, x->n_affine, 4, 4))
        for (int64_t i = 0; i < x->n_affine; i++)
            io_f32(c, &x->in_mul[i]), io_f32(c, &x->in_add[i]);
}

static void io_layers(codec *c, an_npu_exe *x) {
    io_i32(c, &x->n_layers);
    if (!io_array(c, (void **)&x->layers, x->n_layers, sizeof *x->layers, 100)) return;
    for (int i = 0; i < x->n_layers; i++) {
        an_npu_layer *l = &x->layers[i];
        io_bytes(c, l->name, sizeof l->name);
        io_i32(c, &l->op), io_i32(c, &l->mode);
        io_i64(c, &l->out_dram);
        io_i32(c, &l->h), io_i32(c, &l->w), io_i32(c, &l->c);
        io_i32(c, &l->tile_h), io_i32(c, &l->tile_w), io_i32(c, &l->tiles);
        io_i64(c, &l->first_insn), io_i64(c, &l->n_insn), io_i64(c, &l->macs);
    }
}

static void io_host(codec *c, an_npu_exe *x) {
    io_i32(c, &x->n_host);
    if (!io_array(c, (void **)&x->host, x->n_host, sizeof *x->host, 100)) return;
    for (int i = 0; i < x->n_host; i++) {
        an_npu_host_op *h = &x->host[i];
        io_i32(c, &h->op), io_i32(c, &h->layer);
        for (int k = 0; k < 2; k++) io_tensor(c, &h->in[k]);
        io_tensor(c, &h->out);
        io_i32(c, &h->kh), io_i32(c, &h->kw), io_i32(c, &h->sh), io_i32(c, &h->sw);
        io_i32(c, &h->pt), io_i32(c, &h->pl), io_i32(c, &h->act_min), io_i32(c, &h->act_max);
        for (int k = 0; k < 3; k++) io_i32(c, &h->add_mult[k]), io_i32(c, &h->add_shift[k]);
    }
}

static void io_qref(codec *c, an_npu_exe *x) {
    io_i64(c, &x->qref_size);
    if (x->qref_size && io_array(c, (void **)&x->qref, x->qref_size, 1, 1))
        io_bytes(c, x->qref, (size_t)x->qref_size);
}

static void io_section(codec *c, int k, an_npu_exe *x) {
    switch (k) {
    case 0:
        io_config(c, &x->cfg);
        break;
    case 1:
        io_insns(c, x);
        break;
    case 2:
        io_data(c, x);
        break;
    case 3:
        io_tensors(c, x);
        break;
    case 4:
        io_layers(c, x);
        break;
    case 5:
        io_host(c, x);
        break;
    default:
        io_qref(c, x);
        break;
    }
}

void an_npu_exe_free(an_npu_exe *x) {
    if (!x) return;
    free(x->insns);
    free(x->data);
    free(x->in_mul);
    free(x->in_add);
    free(x->layers);
    free(x->host);
    free(x->qref);
    memset(x, 0, sizeof *x);
}

/* The header (magic, version, sections, batch, dram size, its CRC) into
** c. */
static void io_header(codec *c, const an_npu_exe *x) {
    uint8_t magic[8];
    memcpy(magic, MAGIC, 8);
    uint32_t version = AN_NPU_VERSION, sections = N_SECTIONS, batch = (uint32_t)x->batch, zero = 0;
    uint64_t dram = (uint64_t)x->dram_size;
    io_bytes(c, magic, 8);
    io_u32(c, &version), io_u32(c, &sections), io_u32(c, &batch), io_u32(c, &zero);
    io_u64(c, &dram);
    uint32_t crc = c->err ? 0 : an_crc32(0, c->buf, c->n);
    io_u32(c, &crc);
}

an_status an_npu_serialize(const an_npu_exe *x0, uint8_t **buf, size_t *n) {
    an_npu_exe *x = (an_npu_exe *)x0; /* the codec only reads it when writing */
    codec out = {.writing = 1};
    /* one buffer, sized for the large sections at once; each section is
       written in place and its length filled in after it */
    reserve(&out, (size_t)HEADER_BYTES + 65536 + (size_t)x->n_insns * AN_ISA_BYTES +
                      (size_t)x->data_size + (size_t)x->qref_size +
                      (size_t)x->n_layers * sizeof *x->layers +
                      (size_t)x->n_host * sizeof *x->host + 8 * (size_t)x->n_affine);
    io_header(&out, x);
    for (int k = 0; k < N_SECTIONS && !out.err; k++) {
        uint32_t len = 0;
        io_bytes(&out, (void *)TAGS[k], 4);
        io_u32(&out, &len); /* filled in below */
        const size_t at = out.n;
        io_section(&out, k, x);
        if (out.err || out.n - at > MAX_SECTION) {
            free(out.buf);
            return an_fail(AN_ERR_NOMEM, "%s: section %s too large or out of memory", x->source,
                           TAGS[k]);
        }
        an_le_put(out.buf + at - 4, out.n - at, 4);
        uint32_t scrc = an_crc32(0, out.buf + at, out.n - at);
        io_u32(&out, &scrc);
    }
    if (out.err) {
        free(out.buf);
        return an_fail(AN_ERR_NOMEM, "%s: out of memory writing the executable", x->source);
    }
    *buf = out.buf;
    *n = out.n;
    return AN_OK;
}

/* The same bytes as an_npu_serialize, streamed into the file: each
** section's length counted first, its payload through a small window (a
** program of millions of instructions is never held twice). */
static an_status save_stream(an_afile *f, an_npu_exe *x) {
    enum { WINDOW = 1 << 16 };
    codec h = {.writing = 1};
    io_header(&h, x);
    an_status s = h.err ? an_fail(AN_ERR_NOMEM, "out of memory") : an_afile_write(f, h.buf, h.n);
    free(h.buf);
    uint8_t *win = malloc(WINDOW);
    if (!s && !win) s = an_fail(AN_ERR_NOMEM, "out of memory");
    for (int k = 0; k < N_SECTIONS && !s; k++) {
        codec cnt = {.writing = 1, .counting = 1};
        io_section(&cnt, k, x);
        if (cnt.n > MAX_SECTION) {
            s = an_fail(AN_ERR_NOMEM, "%s: section %s too large", x->source, TAGS[k]);
            break;
        }
        uint8_t head[8];
        memcpy(head, TAGS[k], 4);
        an_le_put(head + 4, cnt.n, 4);
        if ((s = an_afile_write(f, head, 8))) break;
        codec w = {.writing = 1, .buf = win, .cap = WINDOW, .sink = f};
        io_section(&w, k, x);
        flush(&w);
        if (w.err) {
            s = w.sink_status ? w.sink_status : an_fail(AN_ERR_IO, "%s: write failed", x->source);
            break;
        }
        uint8_t crc[4];
        an_le_put(crc, w.crc, 4);
        s = an_afile_write(f, crc, 4);
    }
    free(win);
    return s;
}

an_status an_npu_save(const char *path, const an_npu_exe *x) {
    an_afile f;
    an_status s = an_afile_open(&f, path);
    if (s) return s;
    if ((s = save_stream(&f, (an_npu_exe *)x))) /* the codec only reads it when writing */
        an_afile_abort(&f);
    else
        s = an_afile_commit(&f);
    return s;
}

#define BAD(...) an_fail(AN_ERR_FORMAT, __VA_ARGS__)

/* Sections of a file image into x (no field validation: an_npu_validate). */
an_status npu_decode_file(const uint8_t *buf, size_t n, const char *name, an_npu_exe *x);
an_status npu_decode_file(const uint8_t *buf, size_t n, const char *name, an_npu_exe *x) {
    memset(x, 0, sizeof *x);
    snprintf(x->source, sizeof x->source, "%s", name);
    if (n < HEADER_BYTES)
        return BAD("%s: %zu bytes is too short for an executable header", name, n);
    if (memcmp(buf, MAGIC, 8) != 0) return BAD("%s: not an asicnn executable (bad magic)", name);
    codec h = {.buf = (uint8_t *)buf, .n = HEADER_BYTES, .at = 8};
    uint32_t version, sections, batch, reserved, crc;
    uint64_t dram;
    io_u32(&h, &version), io_u32(&h, &sections), io_u32(&h, &batch), io_u32(&h, &reserved);
    io_u64(&h, &dram);
    io_u32(&h, &crc);
    if (crc != an_crc32(0, buf, 32))
        return BAD("%s: header checksum mismatch (corrupt file)", name);
    if (version != AN_NPU_VERSION)
        return BAD("%s: field version = %u, this asicnn reads version %d", name, version,
                   AN_NPU_VERSION);
    if (sections != N_SECTIONS || reserved)
        return BAD("%s: field sections = %u (expected %d) or reserved bits set", name, sections,
                   N_SECTIONS);
    x->batch = batch > INT32_MAX ? -1 : (int32_t)batch;
    x->dram_size = dram > (uint64_t)INT64_MAX ? -1 : (int64_t)dram;
    size_t at = HEADER_BYTES;
    for (int k = 0; k < N_SECTIONS; k++) {
        if (n - at < 8) return BAD("%s: truncated before section %s", name, TAGS[k]);
        if (memcmp(buf + at, TAGS[k], 4) != 0)
            return BAD("%s: section %d should be %s (file offset %zu)", name, k, TAGS[k], at);
        const uint32_t len = (uint32_t)an_le_get(buf + at + 4, 4);
        at += 8;
        if (len > n - at || n - at - len < 4)
            return BAD("%s: section %s: length %u passes the end of the file", name, TAGS[k], len);
        const uint8_t *p = buf + at + len;
        const uint32_t scrc = (uint32_t)an_le_get(p, 4);
        if (scrc != an_crc32(0, buf + at, len))
            return BAD("%s: section %s: checksum mismatch (corrupt file)", name, TAGS[k]);
        codec c = {.buf = (uint8_t *)buf + at, .n = len, .what = TAGS[k]};
        io_section(&c, k, x);
        if (c.err || c.at != c.n)
            return BAD("%s: section %s: %s", name, TAGS[k],
                       c.err ? "a count passes the end of the section" : "trailing bytes");
        at += len + 4;
    }
    if (at != n) return BAD("%s: %zu trailing bytes after the last section", name, n - at);
    return AN_OK;
}
