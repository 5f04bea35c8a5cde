/*
** ONNX tensor data: decode a TensorProto's elements from raw_data (fixed
** width, little-endian: assembled byte by byte, never through a pointer
** cast, so alignment and host byte order do not matter), float_data,
** double_data, int32_data (which also carries int8/uint8, one element per
** int32) or int64_data. The element count must equal the product of dims.
*/
#include "onnx_internal.h"

#include <math.h>
#include <string.h>

#define OX_MAX_ELEMS ((int64_t)1 << 28)

int64_t ox_numel(const Onnx__TensorProto *t) {
    int64_t n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0 || (t->dims[i] && n > OX_MAX_ELEMS / t->dims[i])) return -1;
        n *= t->dims[i];
    }
    return n;
}

static int elem_width(int dtype) {
    switch (dtype) {
    case OX_FLOAT:
    case OX_INT32:
        return 4;
    case OX_INT8:
    case OX_UINT8:
        return 1;
    case OX_INT64:
    case OX_DOUBLE:
        return 8;
    default:
        return 0;
    }
}

/* Element i of raw little-endian data of dtype, as double. */
static double raw_elem(const uint8_t *p, int dtype) {
    uint64_t u = an_le_get(p, elem_width(dtype));
    switch (dtype) {
    case OX_FLOAT: {
        uint32_t w = (uint32_t)u;
        float f;
        memcpy(&f, &w, 4);
        return f;
    }
    case OX_DOUBLE: {
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    case OX_INT8:
        return (double)(int8_t)(uint8_t)u;
    case OX_UINT8:
        return (double)(uint8_t)u;
    case OX_INT32:
        return (double)(int32_t)(uint32_t)u;
    default:
        return (double)(int64_t)u;
    }
}

/* Decode into doubles (exact for every supported type except int64
** beyond 2^53, which callers reading int64 avoid by using decode_i64). */
static an_status decode(ox_ctx *x, const Onnx__TensorProto *t, double **out, int64_t *n) {
    const char *nm = t->name ? t->name : "?";
    const int64_t count = ox_numel(t);
    if (count < 0)
        return an_fail(AN_ERR_FORMAT, "%s: tensor '%s': bad or too large dims", x->name, nm);
    const int dt = t->has_data_type ? t->data_type : 0;
    if (!elem_width(dt))
        return an_fail(AN_ERR_UNSUPPORTED, "%s: tensor '%s': data type %d is not supported",
                       x->name, nm, dt);
    if ((t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
        t->n_external_data)
        return an_fail(AN_ERR_UNSUPPORTED, "%s: tensor '%s' is stored as external data", x->name,
                       nm);
    /* how many elements are stored, checked before anything is allocated */
    const int wd = elem_width(dt);
    int64_t have;
    if (t->has_raw_data)
        have = t->raw_data.len % (size_t)wd ? -1 : (int64_t)(t->raw_data.len / (size_t)wd);
    else if (dt == OX_FLOAT)
        have = (int64_t)t->n_float_data;
    else if (dt == OX_DOUBLE)
        have = (int64_t)t->n_double_data;
    else if (dt == OX_INT64)
        have = (int64_t)t->n_int64_data;
    else /* int8, uint8, int32: one element per int32 */
        have = (int64_t)t->n_int32_data;
    if (have != count)
        return an_fail(AN_ERR_FORMAT, "%s: tensor '%s': %lld elements stored, dims say %lld",
                       x->name, nm, (long long)have, (long long)count);
    double *v = an_arena_alloc(&x->arena, (size_t)(count ? count : 1) * sizeof(double), 8);
    if (!v) return an_fail(AN_ERR_NOMEM, "%s: tensor '%s': out of memory", x->name, nm);
    for (int64_t i = 0; i < count; i++) {
        if (t->has_raw_data)
            v[i] = raw_elem(t->raw_data.data + i * wd, dt);
        else if (dt == OX_FLOAT)
            v[i] = t->float_data[i];
        else if (dt == OX_DOUBLE)
            v[i] = t->double_data[i];
        else if (dt == OX_INT64)
            v[i] = (double)t->int64_data[i];
        else {
            const int32_t e = t->int32_data[i];
            v[i] = dt == OX_INT8    ? (double)(int8_t)(uint8_t)(e & 0xff)
                   : dt == OX_UINT8 ? (double)(e & 0xff)
                                    : (double)e;
        }
    }
    *out = v, *n = count;
    return AN_OK;
}

an_status ox_tensor_f32(ox_ctx *x, const Onnx__TensorProto *t, float **out, int64_t *n) {
    double *d;
    an_status s = decode(x, t, &d, n);
    if (s) return s;
    float *f = an_arena_alloc(&x->arena, (size_t)(*n ? *n : 1) * sizeof(float), 16);
    if (!f) return an_fail(AN_ERR_NOMEM, "%s: out of memory", x->name);
    for (int64_t i = 0; i < *n; i++) {
        if (!isfinite(d[i]))
            return an_fail(AN_ERR_RANGE, "%s: tensor '%s': element %lld is not finite", x->name,
                           t->name ? t->name : "?", (long long)i);
        f[i] = (float)d[i];
    }
    *out = f;
    return AN_OK;
}

an_status ox_tensor_i64(ox_ctx *x, const Onnx__TensorProto *t, int64_t **out, int64_t *n) {
    const int dt = t->has_data_type ? t->data_type : 0;
    if (dt != OX_INT8 && dt != OX_UINT8 && dt != OX_INT32 && dt != OX_INT64)
        return an_fail(AN_ERR_FORMAT, "%s: tensor '%s': expected integers, data type is %d",
                       x->name, t->name ? t->name : "?", dt);
    int64_t *v;
    if (dt == OX_INT64 && !t->has_raw_data) {
        /* int64_data directly: doubles would round beyond 2^53 */
        const int64_t count = ox_numel(t);
        if (count < 0 || (int64_t)t->n_int64_data != count)
            return an_fail(AN_ERR_FORMAT, "%s: tensor '%s': element count does not match dims",
                           x->name, t->name ? t->name : "?");
        v = an_arena_alloc(&x->arena, (size_t)(count ? count : 1) * 8, 8);
        if (!v) return an_fail(AN_ERR_NOMEM, "%s: out of memory", x->name);
        for (int64_t i = 0; i < count; i++) v[i] = t->int64_data[i];
        *out = v, *n = count;
        return AN_OK;
    }
    if (dt == OX_INT64) {
        const int64_t count = ox_numel(t);
        if (count < 0 || t->raw_data.len != (size_t)count * 8)
            return an_fail(AN_ERR_FORMAT, "%s: tensor '%s': raw data size does not match dims",
                           x->name, t->name ? t->name : "?");
        v = an_arena_alloc(&x->arena, (size_t)(count ? count : 1) * 8, 8);
        if (!v) return an_fail(AN_ERR_NOMEM, "%s: out of memory", x->name);
        for (int64_t i = 0; i < count; i++) v[i] = (int64_t)an_le_get(t->raw_data.data + i * 8, 8);
        *out = v, *n = count;
        return AN_OK;
    }
    double *d;
    an_status s = decode(x, t, &d, n);
    if (s) return s;
    v = an_arena_alloc(&x->arena, (size_t)(*n ? *n : 1) * 8, 8);
    if (!v) return an_fail(AN_ERR_NOMEM, "%s: out of memory", x->name);
    for (int64_t i = 0; i < *n; i++) v[i] = (int64_t)d[i];
    *out = v;
    return AN_OK;
}
