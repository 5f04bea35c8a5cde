/*
** Building ONNX protobuf messages for export: every message, string and
** array comes from one arena, so a half-built model is released at once.
** Tensor data is written as raw_data, assembled byte by byte in
** little-endian order. Packing gives a malloc'd buffer; files are written
** atomically.
*/
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

static void *balloc(ox_builder *b, size_t n) {
    void *p = b->s ? NULL : an_arena_alloc(&b->arena, n ? n : 1, 16);
    if (!p && !b->s) b->s = an_fail(AN_ERR_NOMEM, "out of memory (ONNX export)");
    return p;
}

static char *bstr(ox_builder *b, const char *s) {
    size_t n = strlen(s) + 1;
    char *p = balloc(b, n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Append p to a growing pointer array. */
static int push(ox_builder *b, void ***arr, size_t *n, size_t *cap, void *p) {
    if (!p) return -1;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        void **na = balloc(b, nc * sizeof *na);
        if (!na) return -1;
        if (*n) memcpy(na, *arr, *n * sizeof *na);
        *arr = na, *cap = nc;
    }
    (*arr)[(*n)++] = p;
    return 0;
}

void ox_build_init(ox_builder *b, const char *graph_name) {
    *b = (ox_builder){0};
    an_arena_init(&b->arena, 1 << 16);
    onnx__model_proto__init(&b->model);
    onnx__graph_proto__init(&b->graph);
    b->model.has_ir_version = 1, b->model.ir_version = 7; /* opset 13 */
    b->model.producer_name = bstr(b, "asicnn");
    b->model.producer_version = bstr(b, "0.1.0");
    Onnx__OperatorSetIdProto *op = balloc(b, sizeof *op);
    Onnx__OperatorSetIdProto **ops = balloc(b, sizeof *ops);
    if (op && ops) {
        onnx__operator_set_id_proto__init(op);
        op->domain = bstr(b, "");
        op->has_version = 1, op->version = AN_ONNX_EXPORT_OPSET;
        ops[0] = op;
        b->model.opset_import = ops, b->model.n_opset_import = 1;
    }
    b->graph.name = bstr(b, graph_name);
    b->model.graph = &b->graph;
}

const char *ox_build_name(ox_builder *b, const char *prefix) {
    char buf[96];
    snprintf(buf, sizeof buf, "%s_%d", prefix, ++b->n_names);
    return bstr(b, buf);
}

static char **strlist(ox_builder *b, const char *const *v, size_t *n) {
    size_t k = 0;
    while (v && v[k]) k++;
    char **out = balloc(b, (k ? k : 1) * sizeof *out);
    for (size_t i = 0; out && i < k; i++) out[i] = bstr(b, v[i]);
    *n = out ? k : 0;
    return out;
}

Onnx__NodeProto *ox_build_node(ox_builder *b, const char *op, const char *name,
                               const char *const *inputs, const char *const *outputs) {
    Onnx__NodeProto *n = balloc(b, sizeof *n);
    if (!n) return NULL;
    onnx__node_proto__init(n);
    n->op_type = bstr(b, op);
    n->name = bstr(b, name);
    n->input = strlist(b, inputs, &n->n_input);
    n->output = strlist(b, outputs, &n->n_output);
    if (push(b, (void ***)&b->nodes, &b->n_nodes, &b->cap_nodes, n)) return NULL;
    return b->s ? NULL : n;
}

static Onnx__AttributeProto *attr(ox_builder *b, Onnx__NodeProto *n, const char *name,
                                  Onnx__AttributeProto__AttributeType type) {
    if (!n) return NULL;
    Onnx__AttributeProto *a = balloc(b, sizeof *a);
    Onnx__AttributeProto **arr = balloc(b, (n->n_attribute + 1) * sizeof *arr);
    if (!a || !arr) return NULL;
    onnx__attribute_proto__init(a);
    a->name = bstr(b, name);
    a->has_type = 1, a->type = type;
    if (n->n_attribute) memcpy(arr, n->attribute, n->n_attribute * sizeof *arr);
    arr[n->n_attribute++] = a;
    n->attribute = arr;
    return a;
}

void ox_build_attr_int(ox_builder *b, Onnx__NodeProto *n, const char *name, int64_t v) {
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (a) a->has_i = 1, a->i = v;
}

void ox_build_attr_float(ox_builder *b, Onnx__NodeProto *n, const char *name, float v) {
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    if (a) a->has_f = 1, a->f = v;
}

void ox_build_attr_ints(ox_builder *b, Onnx__NodeProto *n, const char *name, const int64_t *v,
                        int count) {
    Onnx__AttributeProto *a = attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    int64_t *c = balloc(b, sizeof *c * (size_t)count);
    if (!a || !c) return;
    memcpy(c, v, sizeof *c * (size_t)count);
    a->ints = c, a->n_ints = (size_t)count;
}

/* An initializer of dtype with raw data filled by the caller. */
static uint8_t *init_raw(ox_builder *b, const char *name, int dtype, const int64_t *dims, int ndim,
                         size_t bytes) {
    Onnx__TensorProto *t = balloc(b, sizeof *t);
    int64_t *d = balloc(b, sizeof *d * (size_t)(ndim ? ndim : 1));
    uint8_t *raw = balloc(b, bytes);
    if (!t || !d || !raw) return NULL;
    onnx__tensor_proto__init(t);
    t->name = bstr(b, name);
    t->has_data_type = 1, t->data_type = dtype;
    if (ndim) memcpy(d, dims, sizeof *d * (size_t)ndim);
    t->dims = d, t->n_dims = (size_t)ndim;
    t->has_raw_data = 1, t->raw_data.data = raw, t->raw_data.len = bytes;
    if (push(b, (void ***)&b->inits, &b->n_inits, &b->cap_inits, t)) return NULL;
    return raw;
}

static size_t count(const int64_t *dims, int ndim) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)dims[i];
    return n;
}

const char *ox_build_init_f32(ox_builder *b, const char *name, const float *v, const int64_t *dims,
                              int ndim) {
    const size_t n = count(dims, ndim);
    uint8_t *raw = init_raw(b, name, OX_FLOAT, dims, ndim, 4 * n);
    for (size_t i = 0; raw && i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        an_le_put(raw + 4 * i, u, 4);
    }
    return name;
}

const char *ox_build_init_i8(ox_builder *b, const char *name, const int8_t *v, const int64_t *dims,
                             int ndim) {
    const size_t n = count(dims, ndim);
    uint8_t *raw = init_raw(b, name, OX_INT8, dims, ndim, n);
    for (size_t i = 0; raw && i < n; i++) raw[i] = (uint8_t)v[i];
    return name;
}

const char *ox_build_init_i32(ox_builder *b, const char *name, const int32_t *v,
                              const int64_t *dims, int ndim) {
    const size_t n = count(dims, ndim);
    uint8_t *raw = init_raw(b, name, OX_INT32, dims, ndim, 4 * n);
    for (size_t i = 0; raw && i < n; i++) an_le_put(raw + 4 * i, (uint32_t)v[i], 4);
    return name;
}

const char *ox_build_init_i64(ox_builder *b, const char *name, const int64_t *v,
                              const int64_t *dims, int ndim) {
    const size_t n = count(dims, ndim);
    uint8_t *raw = init_raw(b, name, OX_INT64, dims, ndim, 8 * n);
    for (size_t i = 0; raw && i < n; i++) an_le_put(raw + 8 * i, (uint64_t)v[i], 8);
    return name;
}

void ox_build_io(ox_builder *b, int output, const char *name, const int64_t *dims, int ndim) {
    Onnx__ValueInfoProto *vi = balloc(b, sizeof *vi);
    Onnx__TypeProto *tp = balloc(b, sizeof *tp);
    Onnx__TypeProto__Tensor *tt = balloc(b, sizeof *tt);
    Onnx__TensorShapeProto *sh = balloc(b, sizeof *sh);
    Onnx__TensorShapeProto__Dimension **dv = balloc(b, sizeof *dv * (size_t)ndim);
    Onnx__ValueInfoProto **arr = balloc(b, sizeof *arr);
    if (!vi || !tp || !tt || !sh || !dv || !arr) return;
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(tp);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(sh);
    for (int i = 0; i < ndim; i++) {
        Onnx__TensorShapeProto__Dimension *d = balloc(b, sizeof *d);
        if (!d) return;
        onnx__tensor_shape_proto__dimension__init(d);
        if (dims[i]) {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            d->dim_value = dims[i];
        } else {
            d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            d->dim_param = bstr(b, "N");
        }
        dv[i] = d;
    }
    sh->dim = dv, sh->n_dim = (size_t)ndim;
    tt->has_elem_type = 1, tt->elem_type = OX_FLOAT, tt->shape = sh;
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, tp->tensor_type = tt;
    vi->name = bstr(b, name), vi->type = tp;
    arr[0] = vi;
    if (output)
        b->graph.output = arr, b->graph.n_output = 1;
    else
        b->graph.input = arr, b->graph.n_input = 1;
}

void ox_build_meta(ox_builder *b, const char *key, const char *value) {
    Onnx__StringStringEntryProto *e = balloc(b, sizeof *e);
    if (!e) return;
    onnx__string_string_entry_proto__init(e);
    e->key = bstr(b, key), e->value = bstr(b, value);
    push(b, (void ***)&b->meta, &b->n_meta, &b->cap_meta, e);
}

an_status ox_build_finish(ox_builder *b, uint8_t **buf, size_t *n) {
    *buf = NULL, *n = 0;
    if (!b->s) {
        b->model.metadata_props = b->meta, b->model.n_metadata_props = b->n_meta;
        b->graph.node = b->nodes, b->graph.n_node = b->n_nodes;
        b->graph.initializer = b->inits, b->graph.n_initializer = b->n_inits;
        const size_t sz = onnx__model_proto__get_packed_size(&b->model);
        *buf = malloc(sz ? sz : 1);
        if (!*buf)
            b->s = an_fail(AN_ERR_NOMEM, "out of memory (ONNX export, %zu bytes)", sz);
        else
            *n = onnx__model_proto__pack(&b->model, *buf);
    }
    an_status s = b->s;
    ox_build_free(b);
    return s;
}

void ox_build_free(ox_builder *b) {
    an_arena_free(&b->arena);
    *b = (ox_builder){0};
}

an_status ox_write_file(const char *path, const uint8_t *buf, size_t n) {
    an_afile f;
    an_status s = an_afile_open(&f, path);
    if (s) return s;
    if ((s = an_afile_write(&f, buf, n))) {
        an_afile_abort(&f);
        return s;
    }
    return an_afile_commit(&f);
}

an_status ox_build_output_finish(ox_builder *b, const char *val, int four, int64_t size,
                                 uint8_t **buf, size_t *n) {
    ox_build_node(b, four ? "Flatten" : "Identity", "output", (const char *const[]){val, NULL},
                  (const char *const[]){"output", NULL});
    const int64_t od[2] = {0, size};
    ox_build_io(b, 1, "output", od, 2);
    return ox_build_finish(b, buf, n);
}
