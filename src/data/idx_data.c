/*
** IDX pairs <-> data sets. Loading takes an image file (2 to 4 dimensions:
** N x F, N x H x W or N x H x W x C) and an optional idx1 label file whose
** count must match and whose values must be integers in [0, 9999].
** Writing emits u8 images when every value is an integer in 0..255 (f32
** otherwise) and u8 labels when every label fits (i32 otherwise), each file
** through a sink, so a failure leaves neither file half-written.
*/
#include "data_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IDX_MAX_LABEL 9999

/* Attach the label file's values to ds, checking count and values. */
static an_status idx_attach_labels(an_dataset *ds, const char *images, const char *labels) {
    an_idx l;
    an_status s = an_idx_read(labels, &l);
    if (s) return s;
    if (l.ndim != 1) {
        s = an_fail(AN_ERR_FORMAT, "%s: a label file must have 1 dimension, not %d", labels,
                    l.ndim);
    } else if (l.count != ds->n) {
        s = an_fail(AN_ERR_FORMAT, "%s: %lld labels but %s has %lld images", labels,
                    (long long)l.count, images, (long long)ds->n);
    } else {
        s = an_alloc_array((void **)&ds->y, (size_t)ds->n, sizeof(int32_t), labels);
    }
    for (int64_t i = 0; !s && i < ds->n; i++) {
        float v = l.values[i];
        if (v < 0 || v > IDX_MAX_LABEL || v != floorf(v))
            s = an_fail(AN_ERR_FORMAT, "%s: label %lld is %g, not an integer in [0, %d]", labels,
                        (long long)i, (double)v, IDX_MAX_LABEL);
        else
            ds->y[i] = (int32_t)v;
    }
    an_idx_free(&l);
    if (!s) ds->num_classes = an_data_count_classes(ds);
    return s;
}

an_status an_data_load_idx(const char *images, const char *labels, an_dataset *ds) {
    an_idx im;
    *ds = (an_dataset){0};
    an_status s = an_idx_read(images, &im);
    if (s) return s;
    int h = 1, w = 1, c = 1;
    if (im.ndim == 1)
        s = an_fail(AN_ERR_FORMAT, "%s: a 1-dimensional IDX file holds labels, not images", images);
    else if (im.dim[0] == 0)
        s = an_fail(AN_ERR_FORMAT, "%s: holds no images (first dimension is 0)", images);
    else if (im.ndim == 2)
        w = (int)im.dim[1];
    else {
        h = (int)im.dim[1];
        w = (int)im.dim[2];
        c = im.ndim == 4 ? (int)im.dim[3] : 1;
    }
    if (!s && (int64_t)h * w * c == 0)
        s = an_fail(AN_ERR_FORMAT, "%s: images of %dx%dx%d hold no values", images, h, w, c);
    if (s) {
        an_idx_free(&im);
        return s;
    }
    /* Dims are bounded by the 2^31 element check, so these fit in int. */
    ds->n = im.dim[0];
    ds->h = h;
    ds->w = w;
    ds->c = c;
    ds->features = (int64_t)h * w * c;
    ds->x = im.values; /* taken over: no copy */
    an_data_set_name(ds, images, NULL);
    if (labels) s = idx_attach_labels(ds, images, labels);
    if (s) an_dataset_free(ds);
    return s;
}

static void put_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Stream n values through the sink as IDX type `type` (0x08 u8, 0x0C i32 or
** 0x0D f32), converting a block at a time. fv or iv supplies the values. */
static void idx_put_values(an_data_sink *k, uint8_t type, const float *fv, const int32_t *iv,
                           size_t n) {
    uint8_t buf[4096];
    size_t esz = type == 0x08 ? 1 : 4, per = sizeof buf / esz;
    for (size_t i = 0; i < n && !k->s; i += per) {
        size_t m = n - i < per ? n - i : per;
        for (size_t j = 0; j < m; j++) {
            uint32_t u;
            if (type == 0x0D)
                memcpy(&u, &fv[i + j], 4);
            else
                u = fv ? (uint32_t)(int32_t)fv[i + j] : (uint32_t)iv[i + j];
            if (esz == 1)
                buf[j] = (uint8_t)u;
            else
                put_be32(buf + 4 * j, u);
        }
        an_data_sink_write(k, buf, m * esz);
    }
}

/* Write one IDX file header: magic with type and ndim, then the dims. */
static void idx_put_header(an_data_sink *k, uint8_t type, int ndim, const int64_t *dim) {
    uint8_t h[4 + 16] = {0, 0, type, (uint8_t)ndim};
    for (int i = 0; i < ndim; i++) put_be32(h + 4 + 4 * i, (uint32_t)dim[i]);
    an_data_sink_write(k, h, 4 + 4 * (size_t)ndim);
}

/* 1 when every value is an integer in 0..255. */
static int all_bytes(const float *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!(v[i] >= 0 && v[i] <= 255 && v[i] == floorf(v[i]))) return 0;
    return 1;
}

an_status an_data_write_idx(const an_dataset *ds, const char *images, const char *labels) {
    if (ds->n > UINT32_MAX || ds->h < 1 || ds->w < 1 || ds->c < 1)
        return an_fail(AN_ERR_RANGE, "%s: cannot write %lld samples of %dx%dx%d as IDX", images,
                       (long long)ds->n, ds->h, ds->w, ds->c);
    if (labels && !ds->y)
        return an_fail(AN_ERR_FORMAT, "%s: the data set has no labels to write", labels);
    size_t total = (size_t)ds->n * (size_t)ds->features;
    an_data_sink ki, kl = {0};
    an_status s = an_data_sink_open(&ki, images);
    if (s) return s;
    if (labels && (s = an_data_sink_open(&kl, labels))) {
        an_data_sink_abort(&ki);
        return s;
    }
    int64_t dim[4] = {ds->n, ds->h, ds->w, ds->c};
    uint8_t type = all_bytes(ds->x, total) ? 0x08 : 0x0D;
    idx_put_header(&ki, type, ds->c > 1 ? 4 : 3, dim);
    idx_put_values(&ki, type, ds->x, NULL, total);
    if (labels) {
        uint8_t lt = 0x08;
        for (int64_t i = 0; i < ds->n; i++)
            if (ds->y[i] < 0 || ds->y[i] > 255) lt = 0x0C;
        idx_put_header(&kl, lt, 1, dim);
        idx_put_values(&kl, lt, NULL, ds->y, (size_t)ds->n);
    }
    /* Commit only when both streams are whole; then images, then labels. */
    if (ki.s || (labels && kl.s)) {
        s = ki.s ? ki.s : kl.s;
        an_data_sink_abort(&ki);
        if (labels) an_data_sink_abort(&kl);
        return s;
    }
    s = an_data_sink_commit(&ki);
    if (labels) {
        if (s)
            an_data_sink_abort(&kl);
        else
            s = an_data_sink_commit(&kl);
    }
    return s;
}
