/*
** Int8 ONNX import (QDQ and QOperator forms) onto the int8 graph.
*/
#include "onnx_internal.h"

an_status ox_import_quant(ox_ctx *x, const an_onnx_opts *o, an_onnx_model *out) {
    (void)o, (void)out;
    return an_fail(AN_ERR_UNSUPPORTED, "%s: quantized ONNX models are not supported yet", x->name);
}
