/*
** ONNX import entry points: read the file, load it, and hand it to the
** float or the int8 mapper depending on whether it holds quantization ops
** (QuantizeLinear / DequantizeLinear, QLinearConv, QLinearMatMul).
*/
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

#define OX_MAX_FILE ((size_t)1 << 31)

an_onnx_opts an_onnx_defaults(void) {
    return (an_onnx_opts){.norm = AN_NORM_SCALE255, .auto_norm = 1};
}

int ox_is_quantized(const ox_ctx *x) {
    static const char *const Q[] = {"QuantizeLinear", "DequantizeLinear", "QLinearConv",
                                    "QLinearMatMul"};
    for (size_t k = 0; k < x->g->n_node; k++)
        for (size_t i = 0; i < sizeof Q / sizeof Q[0]; i++)
            if (strcmp(x->g->node[k]->op_type, Q[i]) == 0) return 1;
    return 0;
}

an_status an_onnx_import_buffer(const uint8_t *buf, size_t n, const char *name,
                                const an_onnx_opts *o, an_onnx_model *out) {
    *out = (an_onnx_model){0};
    an_onnx_opts def = an_onnx_defaults();
    if (!o) o = &def;
    if (o->norm != AN_NORM_NONE && o->norm != AN_NORM_SCALE255)
        return an_fail(AN_ERR_USAGE, "%s: input normalisation must be none or 255", name);
    ox_ctx x;
    an_status s = ox_load(&x, buf, n, name);
    if (!s) {
        out->opset = x.opset;
        out->ir_version = x.mp->has_ir_version ? (int)x.mp->ir_version : 0;
        out->n_onnx_nodes = (int)x.g->n_node;
        snprintf(out->producer, sizeof out->producer, "%s%s%s",
                 x.mp->producer_name ? x.mp->producer_name : "",
                 x.mp->producer_version && x.mp->producer_version[0] ? " " : "",
                 x.mp->producer_version ? x.mp->producer_version : "");
        for (char *p = out->producer; *p; p++)
            if ((unsigned char)*p < ' ' || (unsigned char)*p > '~') *p = '?';
        an_onnx_opts use = *o;
        out->norm_in_file = ox_import_norm(&x, &out->norm, out->data_opts);
        if (out->norm_in_file) {
            use.norm = out->norm.mode;
        } else if (o->auto_norm) {
            /* a look at the input only: the importer reports its problems */
            int64_t d[4];
            int nd = 0, had = x.n_problems;
            const ox_val *in = had ? NULL : ox_graph_input(&x, d, &nd);
            use.norm = in && nd == 4 && d[2] * d[3] > 1 ? AN_NORM_SCALE255 : AN_NORM_NONE;
            if (!had) x.n_problems = x.n_shown = 0, x.problems[0] = '\0';
        }
        if (!s && ox_is_quantized(&x) && use.norm == AN_NORM_STANDARD)
            s = an_fail(AN_ERR_UNSUPPORTED, "%s: a quantized model with standardised input", name);
        if (!s)
            s = ox_is_quantized(&x) ? ox_import_quant(&x, &use, out)
                                    : ox_import_float(&x, &use, out);
        if (!s && !out->norm_in_file) out->norm.mode = use.norm;
    }
    ox_free(&x);
    if (s) an_onnx_model_free(out);
    return s;
}

an_status an_onnx_import(const char *path, const an_onnx_opts *o, an_onnx_model *out) {
    char *buf = NULL;
    size_t n = 0;
    *out = (an_onnx_model){0};
    an_status s = an_read_file(path, OX_MAX_FILE, &buf, &n);
    if (s) return s;
    s = an_onnx_import_buffer((const uint8_t *)buf, n, path, o, out);
    free(buf);
    return s;
}

void an_onnx_model_free(an_onnx_model *m) {
    if (m->model.nodes || m->model.params || m->model.spec) an_model_free(&m->model);
    an_q_graph_free(&m->qgraph);
    an_norm_free(&m->norm);
    *m = (an_onnx_model){0};
}
