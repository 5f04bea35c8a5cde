/*
** .q8 files: the int8 graph on disk. Little-endian, versioned, CRC32'd,
** written atomically (an_afile). docs/quantization.md has the byte layout:
**
**   magic    "ANQ8\0\0\0\0"                               8 bytes
**   version  u32 (3; version 2 files, without groups, load with groups 1;
**            version 1 files, also without the data block, still load)
**   n_layers u32
**   calib    u32 length + text                            how it was calibrated
**   input    i32 h, w, c; f32 scale; i32 zero_point; u32 n_affine;
**            f32 in_mul[n_affine]; f32 in_add[n_affine]
**   layers   per layer: u32 op; char name[48]; char float_node[48];
**            i32 in[2], h, w, c, kh, kw, sh, sw, pt, pl; f32 scale;
**            i32 zero_point, act_min, act_max, k; i32 groups (version 3);
**            conv2d/dense: i8 w[c*k]; i32 bias[c]; i32 mult[c]; i32 shift[c];
**                          f32 w_scale[c]
**            add: i32 add_mult[3]; i32 add_shift[3]
**   data     u32 length + text: the data set's CSV options (version 2)
**   crc      u32 CRC32 of every byte before it
**
** Loading checks the size, magic, checksum and version, reads every field
** with bounds checks, then validates the whole graph (an_q_graph_validate),
** so a corrupt or hostile file gets a message naming the file and field.
*/
#include "asicnn/quant.h"

#include <stdlib.h>
#include <string.h>

#define Q8_MAGIC     "ANQ8\0\0\0\0"
#define Q8_VERSION   3u
#define Q8_MAX_BYTES ((size_t)1 << 32)

/* ---- writing ------------------------------------------------------------ */

/* Every byte of g's .q8 image through w, and the CRC. */
static an_status write_graph(an_cwriter *w, const an_q_graph *g) {
    an_cw_bytes(w, Q8_MAGIC, 8);
    an_cw_u32(w, Q8_VERSION);
    an_cw_u32(w, (uint32_t)g->n_layers);
    uint32_t cl = (uint32_t)strnlen(g->calib, sizeof g->calib);
    an_cw_u32(w, cl);
    an_cw_bytes(w, g->calib, cl);
    const an_q_input *in = &g->input;
    an_cw_u32(w, (uint32_t)(in->h)), an_cw_u32(w, (uint32_t)(in->w)),
        an_cw_u32(w, (uint32_t)(in->c));
    an_cw_f32s(w, &in->scale, 1), an_cw_u32(w, (uint32_t)(in->zero_point));
    an_cw_u32(w, (uint32_t)in->n_affine);
    an_cw_f32s(w, in->in_mul, in->n_affine);
    an_cw_f32s(w, in->in_add, in->n_affine);
    for (int i = 0; i < g->n_layers; i++) {
        const an_q_layer *l = &g->layers[i];
        char name[AN_Q_NAME_MAX] = {0}, fnode[AN_Q_NAME_MAX] = {0};
        memcpy(name, l->name, strnlen(l->name, AN_Q_NAME_MAX - 1));
        memcpy(fnode, l->float_node, strnlen(l->float_node, AN_Q_NAME_MAX - 1));
        an_cw_u32(w, (uint32_t)l->op);
        an_cw_bytes(w, name, AN_Q_NAME_MAX);
        an_cw_bytes(w, fnode, AN_Q_NAME_MAX);
        const int32_t f[] = {l->in[0], l->in[1], l->h,  l->w,  l->c, l->kh,
                             l->kw,    l->sh,    l->sw, l->pt, l->pl};
        an_cw_i32s(w, f, (int64_t)(sizeof f / sizeof f[0]));
        an_cw_f32s(w, &l->scale, 1);
        an_cw_u32(w, (uint32_t)(l->zero_point)), an_cw_u32(w, (uint32_t)(l->act_min)),
            an_cw_u32(w, (uint32_t)(l->act_max));
        an_cw_u32(w, (uint32_t)(l->k));
        an_cw_u32(w, (uint32_t)(l->groups));
        if (l->op == AN_Q_CONV2D || l->op == AN_Q_DENSE) {
            an_cw_bytes(w, l->weights, (size_t)l->c * (size_t)l->k);
            an_cw_i32s(w, l->bias, l->c);
            an_cw_i32s(w, l->mult, l->c);
            an_cw_i32s(w, l->shift, l->c);
            an_cw_f32s(w, l->w_scale, l->c);
        } else if (l->op == AN_Q_ADD) {
            an_cw_i32s(w, l->add_mult, 3);
            an_cw_i32s(w, l->add_shift, 3);
        }
    }
    uint32_t dl = (uint32_t)strnlen(g->data_opts, sizeof g->data_opts - 1);
    an_cw_u32(w, dl);
    an_cw_bytes(w, g->data_opts, dl);
    return an_cw_finish(w);
}

an_status an_q8_save(const char *path, const an_q_graph *g) {
    an_status s = an_q_graph_validate(g);
    if (s) return an_fail_context(s, "refusing to save %s", path);
    an_cwriter w;
    return (s = an_cw_open(&w, path)) ? s : write_graph(&w, g);
}

an_status an_q8_encode(const an_q_graph *g, uint8_t **buf, size_t *n) {
    *buf = NULL, *n = 0;
    an_status s = an_q_graph_validate(g);
    if (s) return an_fail_context(s, "refusing to encode %s", g->source);
    an_buf b = {0};
    an_cwriter w;
    an_cw_open_mem(&w, &b);
    if ((s = write_graph(&w, g))) {
        an_buf_free(&b);
        return s;
    }
    *n = b.len;
    *buf = (uint8_t *)an_buf_take(&b);
    return AN_OK;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct q8_reader {
    const uint8_t *p;
    size_t n, off;
    const char *name;
} q8_reader;

/* n more bytes must be there for field `what` (of layer `li`, -1: none). */
static an_status need(q8_reader *r, uint64_t n, int li, const char *what) {
    if (n <= r->n - r->off) return AN_OK;
    if (li >= 0)
        return an_fail(AN_ERR_FORMAT,
                       "%s: truncated in layer %d field %s (needs %llu bytes at "
                       "offset %zu)",
                       r->name, li, what, (unsigned long long)n, r->off);
    return an_fail(AN_ERR_FORMAT, "%s: truncated in field %s (needs %llu bytes at offset %zu)",
                   r->name, what, (unsigned long long)n, r->off);
}

static uint32_t get_u32(q8_reader *r) {
    return (uint32_t)an_le_next(r->p, &r->off, 4);
}
static int32_t get_i32(q8_reader *r) {
    return an_le_next_i32(r->p, &r->off);
}
static float get_f32(q8_reader *r) {
    return an_le_next_f32(r->p, &r->off);
}

/* Allocate and read n 4-byte values (i32 or f32) of a field. */
static an_status get_arr(q8_reader *r, int li, const char *what, int64_t n, int is_float,
                         void **out) {
    an_status s = need(r, (uint64_t)n * 4, li, what);
    if (s) return s;
    if ((s = an_alloc_array(out, (size_t)(n ? n : 1), 4, what))) return s;
    for (int64_t i = 0; i < n; i++) {
        if (is_float)
            ((float *)*out)[i] = get_f32(r);
        else
            ((int32_t *)*out)[i] = get_i32(r);
    }
    return AN_OK;
}

/* Layer i of a version ver file (before 3: no groups field, groups 1). */
static an_status read_layer(q8_reader *r, uint32_t ver, int i, an_q_layer *l) {
    an_status s = need(r, 4 + 2 * AN_Q_NAME_MAX + 11 * 4 + 5 * 4 + (ver >= 3 ? 4 : 0), i, "header");
    if (s) return s;
    uint32_t op = get_u32(r);
    if (op >= AN_Q_OP_COUNT)
        return an_fail(AN_ERR_FORMAT, "%s: layer %d: field op = %u is not a known op", r->name, i,
                       op);
    l->op = (an_q_op)op;
    memcpy(l->name, r->p + r->off, AN_Q_NAME_MAX);
    memcpy(l->float_node, r->p + r->off + AN_Q_NAME_MAX, AN_Q_NAME_MAX);
    r->off += 2 * AN_Q_NAME_MAX;
    if (!memchr(l->name, 0, AN_Q_NAME_MAX) || !memchr(l->float_node, 0, AN_Q_NAME_MAX))
        return an_fail(AN_ERR_FORMAT, "%s: layer %d: field name is not NUL-terminated", r->name, i);
    l->in[0] = get_i32(r), l->in[1] = get_i32(r);
    l->h = get_i32(r), l->w = get_i32(r), l->c = get_i32(r);
    l->kh = get_i32(r), l->kw = get_i32(r), l->sh = get_i32(r), l->sw = get_i32(r);
    l->pt = get_i32(r), l->pl = get_i32(r);
    l->scale = get_f32(r);
    l->zero_point = get_i32(r), l->act_min = get_i32(r), l->act_max = get_i32(r);
    l->k = get_i32(r);
    l->groups = ver >= 3 ? get_i32(r) : 1;
    if (l->op == AN_Q_CONV2D || l->op == AN_Q_DENSE) {
        if (l->c < 1 || l->k < 1 || l->c > (1 << 26) || l->k > (1 << 26))
            return an_fail(AN_ERR_FORMAT, "%s: layer %d (%s): field c/k = %d/%d out of range",
                           r->name, i, l->name, l->c, l->k);
        uint64_t nw = (uint64_t)l->c * (uint64_t)l->k;
        if ((s = need(r, nw, i, "weights"))) return s;
        if ((s = an_alloc_array((void **)&l->weights, nw, 1, "weights"))) return s;
        memcpy(l->weights, r->p + r->off, nw);
        r->off += nw;
        if ((s = get_arr(r, i, "bias", l->c, 0, (void **)&l->bias)) ||
            (s = get_arr(r, i, "multiplier", l->c, 0, (void **)&l->mult)) ||
            (s = get_arr(r, i, "shift", l->c, 0, (void **)&l->shift)) ||
            (s = get_arr(r, i, "w_scale", l->c, 1, (void **)&l->w_scale)))
            return s;
    } else if (l->op == AN_Q_ADD) {
        if ((s = need(r, 24, i, "add_mult/add_shift"))) return s;
        for (int j = 0; j < 3; j++) l->add_mult[j] = get_i32(r);
        for (int j = 0; j < 3; j++) l->add_shift[j] = get_i32(r);
    }
    return AN_OK;
}

static an_status parse_body(q8_reader *r, an_q_graph *g) {
    an_status s;
    r->off = 8;
    uint32_t ver = get_u32(r);
    if (ver < 1 || ver > Q8_VERSION)
        return an_fail(AN_ERR_UNSUPPORTED, "%s: .q8 version %u; this asicnn reads version %u",
                       r->name, ver, Q8_VERSION);
    uint32_t nl = get_u32(r);
    if (nl < 1 || nl > 4096)
        return an_fail(AN_ERR_FORMAT, "%s: field n_layers = %u outside 1..4096", r->name, nl);
    if ((s = need(r, 4, -1, "calib"))) return s;
    uint32_t cl = get_u32(r);
    if (cl >= sizeof g->calib)
        return an_fail(AN_ERR_FORMAT, "%s: field calib: length %u too long", r->name, cl);
    if ((s = need(r, cl, -1, "calib"))) return s;
    memcpy(g->calib, r->p + r->off, cl);
    g->calib[cl] = '\0';
    r->off += cl;
    if ((s = need(r, 24, -1, "input"))) return s;
    an_q_input *in = &g->input;
    in->h = get_i32(r), in->w = get_i32(r), in->c = get_i32(r);
    in->scale = get_f32(r), in->zero_point = get_i32(r);
    uint32_t na = get_u32(r);
    if (na < 1 || na > (1u << 26))
        return an_fail(AN_ERR_FORMAT, "%s: input: field n_affine = %u out of range", r->name, na);
    in->n_affine = na;
    if ((s = get_arr(r, -1, "input in_mul", na, 1, (void **)&in->in_mul)) ||
        (s = get_arr(r, -1, "input in_add", na, 1, (void **)&in->in_add)))
        return s;
    if (!(g->layers = calloc(nl, sizeof *g->layers)))
        return an_fail(AN_ERR_NOMEM, "%s: out of memory", r->name);
    g->n_layers = (int)nl;
    for (int i = 0; i < g->n_layers; i++)
        if ((s = read_layer(r, ver, i, &g->layers[i]))) return s;
    if (ver >= 2) {
        if ((s = need(r, 4, -1, "data"))) return s;
        uint32_t dl = get_u32(r);
        if (dl >= sizeof g->data_opts)
            return an_fail(AN_ERR_FORMAT, "%s: field data: length %u too long", r->name, dl);
        if ((s = need(r, dl, -1, "data"))) return s;
        memcpy(g->data_opts, r->p + r->off, dl);
        g->data_opts[dl] = '\0';
        r->off += dl;
        if (strlen(g->data_opts) != dl)
            return an_fail(AN_ERR_FORMAT, "%s: field data contains a NUL byte", r->name);
    }
    if (r->off != r->n)
        return an_fail(AN_ERR_FORMAT, "%s: %zu unexpected bytes after the last layer", r->name,
                       r->n - r->off);
    return an_q_graph_validate(g);
}

an_status an_q8_parse(const uint8_t *buf, size_t n, const char *name, an_q_graph *g) {
    *g = (an_q_graph){0};
    snprintf(g->source, sizeof g->source, "%s", name);
    if (n < 8 || memcmp(buf, Q8_MAGIC, 8) != 0)
        return an_fail(AN_ERR_FORMAT, "%s: not an asicnn int8 graph (bad magic)", name);
    if (n < 24)
        return an_fail(AN_ERR_FORMAT, "%s: truncated: %zu bytes is too short for a .q8 file", name,
                       n);
    uint32_t want = (uint32_t)an_le_get(buf + n - 4, 4);
    if (an_crc32(0, buf, n - 4) != want)
        return an_fail(AN_ERR_FORMAT,
                       "%s: field crc: checksum mismatch (the file is corrupt or truncated)", name);
    q8_reader r = {.p = buf, .n = n - 4, .name = name};
    an_status s = parse_body(&r, g);
    if (s) {
        an_q_graph_free(g);
        snprintf(g->source, sizeof g->source, "%s", name);
    }
    return s;
}

an_status an_q8_load(const char *path, an_q_graph *g) {
    char *buf = NULL;
    size_t n = 0;
    *g = (an_q_graph){0};
    an_status s = an_read_file(path, Q8_MAX_BYTES, &buf, &n);
    if (s) return s;
    s = an_q8_parse((const uint8_t *)buf, n, path, g);
    free(buf);
    return s;
}

int an_q8_is_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char magic[8] = {0};
    if (!f) return 0;
    size_t n = fread(magic, 1, 8, f);
    fclose(f);
    return n == 8 && memcmp(magic, Q8_MAGIC, 8) == 0;
}
