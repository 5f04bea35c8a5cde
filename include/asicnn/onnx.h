/*
** asicnn onnx: import ONNX models (float, and int8 in QDQ or QOperator
** form) into asicnn graphs, and export asicnn models back to ONNX.
**
** Contract
** - Import reads the file with protobuf-c (bindings generated at build time
**   from onnx.proto), decodes tensor data explicitly (raw_data is read as
**   little-endian bytes, never through pointer casts) and maps the graph,
**   ONNX's NCHW tensors and OIHW / [out][in] weights, onto asicnn's NHWC
**   graph with HWIO / [in][out] weights. A float model becomes an an_model
**   with an equivalent spec text, so it can be saved as a checkpoint; a
**   quantized model becomes an an_q_graph, its integers taken as they are.
** - Every problem is reported at once: an unsupported model fails with one
**   message listing each unsupported node (name and op type) and each
**   unsupported attribute value. Truncated or non-ONNX input fails cleanly.
** - asicnn models output logits: a final Softmax is dropped (and recorded
**   in an_onnx_model.softmax_dropped).
** - Export writes opset 13 ONNX (float: NCHW input [N,C,H,W] or [N,F]; int8:
**   QDQ form) atomically; re-importing an exported file gives the same
**   graph, so the same outputs bit for bit.
** - Library code never prints or exits; errors name the file and node.
*/
#ifndef ASICNN_ONNX_H
#define ASICNN_ONNX_H

#include "asicnn/core.h"
#include "asicnn/nn.h"
#include "asicnn/quant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opsets the importer accepts (default domain). */
#define AN_ONNX_OPSET_MIN 9
#define AN_ONNX_OPSET_MAX 17
/* The opset export writes. */
#define AN_ONNX_EXPORT_OPSET 13

typedef enum an_onnx_kind {
    AN_ONNX_FLOAT = 0, /* model holds the float graph */
    AN_ONNX_INT8,      /* qgraph holds the int8 graph (QDQ / QOperator) */
} an_onnx_kind;

/* Import options. */
typedef struct an_onnx_opts {
    /* How the data set's raw values become the model's input, recorded in
    ** checkpoints and folded into an int8 graph's input map: AN_NORM_NONE
    ** (raw values as they are) or AN_NORM_SCALE255 (pixels / 255). With
    ** auto_norm (the default) it is the normalisation the file carries (an
    ** asicnn export), else 255 for an image input and none for a vector. */
    an_norm_mode norm;
    int auto_norm;
} an_onnx_opts;

typedef struct an_onnx_model {
    an_onnx_kind kind;
    an_model model;                  /* AN_ONNX_FLOAT */
    an_q_graph qgraph;               /* AN_ONNX_INT8 */
    an_norm norm;                    /* the input normalisation (from the file or the options) */
    int norm_in_file;                /* norm came from the file (asicnn's export) */
    char data_opts[AN_CSV_OPTS_MAX]; /* CSV options the file recorded, "" if none */
    int opset;                       /* default-domain opset of the file */
    int ir_version;
    int softmax_dropped; /* a final Softmax was removed (outputs are logits) */
    int n_onnx_nodes;    /* nodes in the ONNX graph */
    char producer[64];   /* producer_name producer_version */
} an_onnx_model;

an_onnx_opts an_onnx_defaults(void);

/* Import an ONNX file (path) or an in-memory image of one (name is used in
** messages). On failure *out is left empty. */
an_status an_onnx_import(const char *path, const an_onnx_opts *o, an_onnx_model *out);
an_status an_onnx_import_buffer(const uint8_t *buf, size_t n, const char *name,
                                const an_onnx_opts *o, an_onnx_model *out);
void an_onnx_model_free(an_onnx_model *m);

/* Export a float model (dropout removed, batchnorm kept) as opset-13 ONNX.
** norm (may be NULL) becomes nodes at the input, so the file takes the data
** set's raw values; data_opts (may be NULL) is recorded in metadata_props.
** Import restores both. */
an_status an_onnx_export_model(const char *path, const an_model *m, const an_norm *norm,
                               const char *data_opts);
/* Export an int8 graph as QDQ ONNX (opset 13): the float input is quantized
** with the graph's input scale and zero point (the raw-value map is not
** part of the file: feed it normalised values), weights and biases are
** int8 / int32 initializers with per-channel scales. */
an_status an_onnx_export_q8(const char *path, const an_q_graph *g); /* records g->data_opts */

/* In-memory forms of the exports: *buf is malloc'd (caller frees). */
an_status an_onnx_export_model_buffer(const an_model *m, const an_norm *norm, const char *data_opts,
                                      uint8_t **buf, size_t *n);
an_status an_onnx_export_q8_buffer(const an_q_graph *g, uint8_t **buf, size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_ONNX_H */
