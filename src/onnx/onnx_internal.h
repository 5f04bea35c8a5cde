/*
** Shared internals of the onnx module (not part of the public API): the
** parsed file and its value table, tensor decoding, attribute lookup, the
** problem list, and the protobuf builders export uses.
**
** An import runs in one ox_ctx: load.c unpacks the file and builds the
** value table (every initializer, graph input and node output by name,
** with its number of users); the float or int8 mapper then walks the nodes
** in file order (ONNX requires topological order) and records each
** unsupported node or attribute with ox_problem() rather than stopping, so
** the user sees every problem at once. Temporary memory comes from the
** context's arena and is freed with it.
*/
#ifndef ASICNN_ONNX_INTERNAL_H
#define ASICNN_ONNX_INTERNAL_H

#include "asicnn/onnx.h"

#include "onnx.pb-c.h"

#include <stdarg.h>

/* ONNX TensorProto.DataType values used here. */
enum {
    OX_FLOAT = 1,
    OX_UINT8 = 2,
    OX_INT8 = 3,
    OX_INT32 = 6,
    OX_INT64 = 7,
    OX_DOUBLE = 11,
};

/* What a value is during import. */
typedef enum ox_kind {
    OX_UNKNOWN = 0, /* not (yet) produced, or produced by an unsupported node */
    OX_CONST,       /* initializer or Constant output: t is set */
    OX_IMG,         /* activation N x C x H x W (asicnn H x W x C) */
    OX_VEC,         /* activation N x F */
} ox_kind;

typedef struct ox_val {
    const char *name;
    const Onnx__TensorProto *t; /* OX_CONST */
    int users;                  /* nodes reading this value */
    int graph_output;           /* named in graph.output */
    ox_kind kind;
    int id;      /* float import: layer index; int8 import: tensor id */
    int h, w, c; /* shape (a vector is 1 x 1 x F) */
    /* A vector flattened from an NCHW image keeps ONNX's CHW element order,
    ** while asicnn flattens HWC: a dense layer reading it permutes its rows.
    ** chw_h/w/c is that image's shape (0 when the order is already HWC). */
    int chw_h, chw_w, chw_c;
    /* int8 import */
    int quant;   /* 1: int8 tensor id (Q side), 2: its dequantized view */
    float scale; /* of tensor id */
    int32_t zp;  /* of tensor id */
    int pending; /* float output of an int8 op awaiting QuantizeLinear */
} ox_val;

typedef struct ox_ctx {
    const char *name; /* file name for messages */
    Onnx__ModelProto *mp;
    Onnx__GraphProto *g;
    int opset;
    an_arena arena;
    ox_val *vals;
    int n_vals;
    const Onnx__NodeProto *node; /* node being mapped, for problem messages */
    int node_index;
    char problems[900]; /* "; "-separated list (truncated) */
    int n_problems;
    int n_shown;
} ox_ctx;

/* ---- load.c ---- */

/* Unpack buf and check the model's envelope (graph present, opset in range,
** no external data, no functions, known domains); build the value table.
** Problems with individual nodes are recorded, not returned. */
an_status ox_load(ox_ctx *x, const uint8_t *buf, size_t n, const char *name);
void ox_free(ox_ctx *x);
/* Value by name, or NULL. An empty name (an omitted optional input) is NULL. */
ox_val *ox_find(ox_ctx *x, const char *name);
/* Input k of the current node (NULL when absent or empty). */
ox_val *ox_in(ox_ctx *x, int k);
/* Output k of the current node (NULL when absent). */
ox_val *ox_out(ox_ctx *x, int k);
/* The model's single non-constant graph input, or NULL (problem recorded). */
ox_val *ox_graph_input(ox_ctx *x, int64_t *dims, int *ndim);
/* Record a problem with the current node (or the model when none). */
void ox_problem(ox_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* AN_OK when no problem was recorded, else one error listing them all. */
an_status ox_problems_status(ox_ctx *x);
/* Node name for messages: its name, or "#k" (k = index) when unnamed. */
const char *ox_node_name(ox_ctx *x, const Onnx__NodeProto *n, int k, char *buf, size_t size);

/* ---- tensor.c ---- */

/* Element count of t from its dims (-1 when negative or overflowing). */
int64_t ox_numel(const Onnx__TensorProto *t);
/* Decode t as float (from FLOAT, DOUBLE, INT8, UINT8, INT32, INT64 data;
** raw_data little-endian) into arena memory; the count must be numel. */
an_status ox_tensor_f32(ox_ctx *x, const Onnx__TensorProto *t, float **out, int64_t *n);
/* Decode t as int64 (INT8, UINT8, INT32, INT64). */
an_status ox_tensor_i64(ox_ctx *x, const Onnx__TensorProto *t, int64_t **out, int64_t *n);

/* ---- attr.c ---- */

const Onnx__AttributeProto *ox_attr(const Onnx__NodeProto *n, const char *name);
int64_t ox_attr_int(ox_ctx *x, const char *name, int64_t def);
float ox_attr_float(ox_ctx *x, const char *name, float def);
/* ints attribute: count (0 when absent), values in *v. */
int ox_attr_ints(ox_ctx *x, const char *name, const int64_t **v);
/* String attribute compared with s (absent: def). */
int ox_attr_str_is(ox_ctx *x, const char *name, const char *s, int def);
/* Record a problem for each attribute of the current node not in the
** NULL-terminated list known. */
void ox_check_attrs(ox_ctx *x, const char *const *known);

/* Spatial attributes of Conv and the pools, resolved against an input of
** h x w: kernel, strides, pads (auto_pad applied) and how asicnn writes
** them (0 valid, 1 Keras same, AN_PAD_EXPLICIT). Returns 0 when supported
** (problems recorded otherwise). kh/kw come in as the kernel when known
** (Conv: from W) and are checked against kernel_shape. */
typedef struct ox_window {
    int kh, kw, sh, sw;
    int pt, pl, pb, pr;
    int padmode;
    int oh, ow;
} ox_window;
int ox_window_attrs(ox_ctx *x, int h, int w, int kernel_known, ox_window *win);

/* ---- layers.c: the float layers an import builds, and their spec ---- */

typedef struct ox_layer {
    an_op op;
    char name[AN_NODE_NAME_MAX];
    int in[AN_MAX_INPUTS], n_in;
    an_act act;
    int units;     /* conv filters / dense units */
    int groups;    /* conv channel groups (1: ordinary) */
    ox_window win; /* conv / pools */
    float eps;     /* batchnorm */
    int h, w, c;   /* output shape */
    /* parameters in asicnn layout (arena memory), NULL when absent */
    float *wt, *bias, *mean, *var;
    int64_t n_wt;
} ox_layer;

typedef struct ox_layers {
    ox_layer *v;
    int n, cap;
} ox_layers;

/* Append a layer named after the current node (made spec-safe and unique);
** returns its index, or -1 (problem recorded) when out of memory. */
int ox_layer_add(ox_ctx *x, ox_layers *L, an_op op, const char *suffix);
void ox_layers_free(ox_layers *L);
/* Spec text for the layers (header comment lines first) and the model it
** parses to, with the parameters copied in. */
an_status ox_layers_to_model(ox_ctx *x, const ox_layers *L, const char *comment, an_model *m);

/* ---- import_float.c / import_quant.c ---- */

an_status ox_import_float(ox_ctx *x, const an_onnx_opts *o, an_onnx_model *out);
an_status ox_import_quant(ox_ctx *x, const an_onnx_opts *o, an_onnx_model *out);
/* Whether the graph has quantization ops (QuantizeLinear, QLinearConv ...). */
int ox_is_quantized(const ox_ctx *x);

/* ---- build.c: protobuf messages for export, all from one arena ---- */

typedef struct ox_builder {
    an_arena arena;
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__NodeProto **nodes;
    size_t n_nodes, cap_nodes;
    Onnx__TensorProto **inits;
    size_t n_inits, cap_inits;
    Onnx__StringStringEntryProto **meta; /* model metadata_props */
    size_t n_meta, cap_meta;
    int n_names; /* counter for generated value names */
    an_status s; /* first failure (allocation) */
} ox_builder;

void ox_build_init(ox_builder *b, const char *graph_name);
/* A fresh value name "prefix_k" (arena string). */
const char *ox_build_name(ox_builder *b, const char *prefix);
/* Add a node; inputs/outputs are NULL-terminated lists. Returns it (NULL on
** failure: b->s set) so attributes can be added. */
Onnx__NodeProto *ox_build_node(ox_builder *b, const char *op, const char *name,
                               const char *const *inputs, const char *const *outputs);
void ox_build_attr_int(ox_builder *b, Onnx__NodeProto *n, const char *name, int64_t v);
void ox_build_attr_float(ox_builder *b, Onnx__NodeProto *n, const char *name, float v);
void ox_build_attr_ints(ox_builder *b, Onnx__NodeProto *n, const char *name, const int64_t *v,
                        int count);
/* Initializers: raw little-endian data of dtype (OX_FLOAT, OX_INT8, OX_INT32,
** OX_INT64) with dims; returns the name. */
const char *ox_build_init_f32(ox_builder *b, const char *name, const float *v, const int64_t *dims,
                              int ndim);
const char *ox_build_init_i8(ox_builder *b, const char *name, const int8_t *v, const int64_t *dims,
                             int ndim);
const char *ox_build_init_i32(ox_builder *b, const char *name, const int32_t *v,
                              const int64_t *dims, int ndim);
const char *ox_build_init_i64(ox_builder *b, const char *name, const int64_t *v,
                              const int64_t *dims, int ndim);
/* Graph input/output of float type with dims (0 = the symbolic batch "N"). */
void ox_build_io(ox_builder *b, int output, const char *name, const int64_t *dims, int ndim);
/* A model metadata_props entry key = value. */
void ox_build_meta(ox_builder *b, const char *key, const char *value);
/* Pack into a malloc'd buffer and release the builder. */
an_status ox_build_finish(ox_builder *b, uint8_t **buf, size_t *n);
/* Declare the graph output "output" [batch, size] from value val (a Flatten
** when val is 4-D, an Identity otherwise), then ox_build_finish. */
an_status ox_build_output_finish(ox_builder *b, const char *val, int four, int64_t size,
                                 uint8_t **buf, size_t *n);
void ox_build_free(ox_builder *b);
/* Write a buffer atomically. */
an_status ox_write_file(const char *path, const uint8_t *buf, size_t n);

/* ---- norm.c: the input normalisation and data options in the file ---- */

/* metadata_props keys asicnn writes and reads back */
#define OX_META_NORM "asicnn.input_norm"   /* "255" or "std" */
#define OX_META_DATA "asicnn.data_options" /* an_csv_options_format text */
#define OX_META_MAP  "asicnn.input_map"    /* int8: "n mul add ..." (hex floats) */
/* Prefix of the normalisation nodes' names (Div, or Sub then Div). */
#define OX_NORM_PREFIX "asicnn_norm/"

/* Export: the normalisation nodes between the graph input "input" (raw
** values, shape [N,F] or [N,C,H,W] of input node in) and the model, with
** their metadata; returns the value holding the normalised input. */
const char *ox_export_norm(ox_builder *b, const an_norm *norm, const an_node *in, int vec);
/* Import: the normalisation recorded by ox_export_norm into *norm (mode
** NONE and 0 when the file has none; 1 when found; problems recorded) and
** the data options text into data_opts[AN_CSV_OPTS_MAX] ("" when none). */
int ox_import_norm(ox_ctx *x, an_norm *norm, char *data_opts);
/* Int8 export: the graph's raw-value input map into the metadata. */
void ox_export_input_map(ox_builder *b, const an_q_input *in);
/* Int8 import: that map, when the file has it, replaces in's (returns 1;
** a bad one is recorded as a problem). */
int ox_import_input_map(ox_ctx *x, an_q_input *in);
/* Whether node n is one of those nodes (the importer maps them as identity). */
int ox_is_norm_node(const Onnx__NodeProto *n);

#endif /* ASICNN_ONNX_INTERNAL_H */
