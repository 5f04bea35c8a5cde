/*
** libFuzzer harness: the ONNX importer on arbitrary bytes (protobuf
** decoding, the envelope checks, tensor decoding, every op mapper, the
** generated spec). A float import that succeeds must run: a small model is
** executed on a zero input and exported again, and the export must import;
** an int8 import is exported as QDQ and must import with the same layers.
*/
#include "asicnn/onnx.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    an_onnx_model m;
    if (an_onnx_import_buffer(data, size, "fuzz.onnx", NULL, &m) != AN_OK) return 0;
    if (m.kind == AN_ONNX_FLOAT) {
        an_model *md = &m.model;
        int64_t acts = 0;
        for (int i = 0; i < md->n_nodes; i++) acts += an_node_size(&md->nodes[i]);
        if (md->n_nodes < 2 || md->output != md->n_nodes - 1) __builtin_trap();
        if (acts < (1 << 18) && md->n_params < (1 << 20)) {
            an_exec *e;
            if (an_exec_create(&e, md, 1, 0) == AN_OK) {
                float *x = calloc((size_t)an_node_size(&md->nodes[0]), sizeof(float));
                if (x) an_exec_forward(e, x, 1, 0, 0);
                free(x);
                an_exec_free(e);
            }
            uint8_t *buf;
            size_t n;
            if (an_onnx_export_model_buffer(md, NULL, NULL, &buf, &n) == AN_OK) {
                an_onnx_model back;
                if (an_onnx_import_buffer(buf, n, "fuzz-export.onnx", NULL, &back) != AN_OK)
                    __builtin_trap();
                if (back.model.n_params != md->n_params) __builtin_trap();
                an_onnx_model_free(&back);
                free(buf);
            }
        }
    }
    if (m.kind == AN_ONNX_INT8) {
        uint8_t *buf;
        size_t n;
        if (an_onnx_export_q8_buffer(&m.qgraph, &buf, &n) == AN_OK) {
            an_onnx_model back;
            if (an_onnx_import_buffer(buf, n, "fuzz-export.onnx", NULL, &back) != AN_OK)
                __builtin_trap();
            if (back.qgraph.n_layers != m.qgraph.n_layers) __builtin_trap();
            an_onnx_model_free(&back);
            free(buf);
        }
    }
    an_onnx_model_free(&m);
    return 0;
}
