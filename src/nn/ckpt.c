/*
** Checkpoints: a versioned little-endian binary file.
**
**   magic    "ANCKPT\0\0"                      8 bytes
**   version  u32 (2; version 1 files, without the data block, still load)
**   spec     u32 length + text                 the model spec it was built from
**   norm     u32 mode, u64 features, [features] f32 mean, [features] f32 std
**                                              (arrays only for mode standard)
**   params   u64 count + count f32             all parameters, graph order
**   train    u32 epochs done, u64 step, u64 count + count f32 optimizer state
**   data     u32 length + text: the training data's CSV options (version 2)
**   crc      u32 CRC32 of every byte before it
**
** Saving is atomic (an_afile). Loading checks the CRC first, then every
** length against the file size, then rebuilds the model from the embedded
** spec and checks the parameter count against it.
*/
#include "nn_internal.h"

#include <stdlib.h>
#include <string.h>

#define CKPT_MAGIC     "ANCKPT\0\0"
#define CKPT_VERSION   2u
#define CKPT_MAX_BYTES ((size_t)1 << 34)

an_status an_ckpt_save(const char *path, const an_model *m, const an_ckpt_extra *x) {
    an_cwriter w;
    an_status s = an_cw_open(&w, path);
    if (s) return s;
    an_cw_bytes(&w, CKPT_MAGIC, 8);
    an_cw_u32(&w, CKPT_VERSION);
    uint32_t len = (uint32_t)strlen(m->spec);
    an_cw_u32(&w, len);
    an_cw_bytes(&w, m->spec, len);
    const an_norm *nm = x ? &x->norm : NULL;
    an_cw_u32(&w, nm ? (uint32_t)nm->mode : 0);
    int std = nm && nm->mode == AN_NORM_STANDARD;
    an_cw_u64(&w, std ? (uint64_t)nm->features : 0);
    if (std) {
        an_cw_f32s(&w, nm->mean, nm->features);
        an_cw_f32s(&w, nm->std, nm->features);
    }
    an_cw_u64(&w, (uint64_t)m->n_params);
    an_cw_f32s(&w, m->params, m->n_params);
    an_cw_u32(&w, x ? (uint32_t)x->epochs_done : 0);
    an_cw_u64(&w, x ? (uint64_t)x->step : 0);
    int64_t no = x && x->optim ? x->n_optim : 0;
    an_cw_u64(&w, (uint64_t)no);
    if (no) an_cw_f32s(&w, x->optim, no);
    uint32_t dl = x ? (uint32_t)strnlen(x->data_opts, sizeof x->data_opts - 1) : 0;
    an_cw_u32(&w, dl);
    if (dl) an_cw_bytes(&w, x->data_opts, dl);
    return an_cw_finish(&w);
}

typedef struct ckpt_reader {
    const uint8_t *p;
    size_t n, off;
    const char *path;
} ckpt_reader;

static an_status need(ckpt_reader *r, uint64_t n, const char *what) {
    if (n > r->n - r->off)
        return an_fail(AN_ERR_FORMAT, "%s: truncated in %s (needs %llu bytes at offset %zu)",
                       r->path, what, (unsigned long long)n, r->off);
    return AN_OK;
}

static uint32_t get_u32(ckpt_reader *r) {
    return (uint32_t)an_le_next(r->p, &r->off, 4);
}

/* Read count floats (count already bounds-checked by the caller). */
static void get_f32s(ckpt_reader *r, float *dst, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) dst[i] = an_le_next_f32(r->p, &r->off);
}

/* A count of floats that must fit in what is left of the file. */
static an_status get_count(ckpt_reader *r, const char *what, uint64_t *count) {
    an_status s = need(r, 8, what);
    if (s) return s;
    *count = an_le_next(r->p, &r->off, 8);
    if (*count > (r->n - r->off) / 4)
        return an_fail(AN_ERR_FORMAT, "%s: %s claims %llu values, more than the file holds",
                       r->path, what, (unsigned long long)*count);
    return AN_OK;
}

/* A u32 length and that many bytes of text (no NUL) into buf[cap]. */
static an_status get_text(ckpt_reader *r, const char *what, char *buf, size_t cap) {
    an_status s = need(r, 4, what);
    if (s) return s;
    uint32_t len = get_u32(r);
    if (len >= cap) return an_fail(AN_ERR_FORMAT, "%s: %s: length %u too long", r->path, what, len);
    if ((s = need(r, len, what))) return s;
    memcpy(buf, r->p + r->off, len);
    buf[len] = '\0';
    r->off += len;
    if (strlen(buf) != len)
        return an_fail(AN_ERR_FORMAT, "%s: %s contain a NUL byte", r->path, what);
    return AN_OK;
}

static an_status parse(ckpt_reader *r, an_model *m, an_ckpt_extra *x, float **optim) {
    an_status s;
    if ((s = need(r, 12, "header"))) return s;
    if (memcmp(r->p, CKPT_MAGIC, 8) != 0)
        return an_fail(AN_ERR_FORMAT, "%s: not an asicnn checkpoint (bad magic)", r->path);
    r->off = 8;
    uint32_t ver = get_u32(r);
    if (ver != CKPT_VERSION && ver != 1)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: checkpoint version %u; this asicnn reads version %u", r->path, ver,
                       CKPT_VERSION);
    if ((s = need(r, 4, "spec length"))) return s;
    uint32_t len = get_u32(r);
    if ((s = need(r, len, "spec"))) return s;
    char *spec = malloc((size_t)len + 1);
    if (!spec) return an_fail(AN_ERR_NOMEM, "%s: out of memory", r->path);
    memcpy(spec, r->p + r->off, len);
    spec[len] = '\0';
    r->off += len;
    char name[300];
    snprintf(name, sizeof name, "%s (embedded spec)", r->path);
    s = strlen(spec) != len ? an_fail(AN_ERR_FORMAT, "%s: spec contains a NUL byte", r->path)
                            : an_model_parse(spec, name, m);
    free(spec);
    if (s) return s;
    snprintf(m->source, sizeof m->source, "%s", r->path);

    if ((s = need(r, 4, "normalisation"))) goto fail;
    x->norm = (an_norm){.mode = (an_norm_mode)get_u32(r)};
    if (x->norm.mode > AN_NORM_STANDARD) {
        s = an_fail(AN_ERR_FORMAT, "%s: unknown normalisation mode %u", r->path,
                    (unsigned)x->norm.mode);
        goto fail;
    }
    uint64_t nf;
    if ((s = get_count(r, "normalisation", &nf))) goto fail;
    if (nf) {
        if (nf * 2 > (r->n - r->off) / 4 || x->norm.mode != AN_NORM_STANDARD) {
            s = an_fail(AN_ERR_FORMAT, "%s: bad normalisation block", r->path);
            goto fail;
        }
        x->norm.features = (int64_t)nf;
        x->norm.mean = malloc(nf * 4);
        x->norm.std = malloc(nf * 4);
        if (!x->norm.mean || !x->norm.std) {
            s = an_fail(AN_ERR_NOMEM, "%s: out of memory", r->path);
            goto fail;
        }
        get_f32s(r, x->norm.mean, nf);
        get_f32s(r, x->norm.std, nf);
    }
    uint64_t np;
    if ((s = get_count(r, "parameters", &np))) goto fail;
    if ((int64_t)np != m->n_params) {
        s = an_fail(AN_ERR_FORMAT,
                    "%s: holds %llu parameters but its spec needs %lld (mismatched checkpoint)",
                    r->path, (unsigned long long)np, (long long)m->n_params);
        goto fail;
    }
    get_f32s(r, m->params, np);
    if ((s = need(r, 12, "training state"))) goto fail;
    x->epochs_done = (int)get_u32(r);
    x->step = (int64_t)an_le_next(r->p, &r->off, 8);
    uint64_t no;
    if ((s = get_count(r, "optimizer state", &no))) goto fail;
    x->n_optim = (int64_t)no;
    x->optim = NULL;
    if (no && optim) {
        *optim = malloc(no * 4);
        if (!*optim) {
            s = an_fail(AN_ERR_NOMEM, "%s: out of memory", r->path);
            goto fail;
        }
        get_f32s(r, *optim, no);
        x->optim = *optim;
    } else {
        r->off += no * 4;
    }
    if (ver >= 2 && (s = get_text(r, "data options", x->data_opts, sizeof x->data_opts))) goto fail;
    if (r->off != r->n) {
        s = an_fail(AN_ERR_FORMAT, "%s: %zu unexpected bytes after the data", r->path,
                    r->n - r->off);
        goto fail;
    }
    return AN_OK;
fail:
    an_norm_free(&x->norm);
    if (optim && *optim) {
        free(*optim);
        *optim = NULL;
    }
    an_model_free(m);
    return s;
}

an_status an_ckpt_parse(const uint8_t *buf, size_t n, const char *name, an_model *m,
                        an_ckpt_extra *x, float **optim) {
    *x = (an_ckpt_extra){0};
    if (optim) *optim = NULL;
    if (n < 16)
        return an_fail(AN_ERR_FORMAT, "%s: too short to be a checkpoint (%zu bytes)", name, n);
    const uint32_t want = (uint32_t)an_le_get(buf + n - 4, 4);
    if (memcmp(buf, CKPT_MAGIC, 8) != 0)
        return an_fail(AN_ERR_FORMAT, "%s: not an asicnn checkpoint (bad magic)", name);
    if (an_crc32(0, buf, n - 4) != want)
        return an_fail(AN_ERR_FORMAT, "%s: checksum mismatch: the checkpoint is corrupt", name);
    ckpt_reader r = {.p = buf, .n = n - 4, .path = name};
    return parse(&r, m, x, optim);
}

an_status an_ckpt_load(const char *path, an_model *m, an_ckpt_extra *x, float **optim) {
    *x = (an_ckpt_extra){0};
    if (optim) *optim = NULL;
    char *buf = NULL;
    size_t n = 0;
    an_status s = an_read_file(path, CKPT_MAX_BYTES, &buf, &n);
    if (s) return s;
    s = an_ckpt_parse((const uint8_t *)buf, n, path, m, x, optim);
    free(buf);
    return s;
}
