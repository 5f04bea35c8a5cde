/*
** CLI helpers for ONNX files (cmd_import.c), used by `asicnn summary`.
*/
#ifndef ASICNN_CLI_ONNX_H
#define ASICNN_CLI_ONNX_H

#include "asicnn/onnx.h"

/* Import path with the default options and print one line about the file
** (opset, producer, node count, dropped Softmax). */
an_status cli_load_onnx(const char *path, an_onnx_model *m);

/* Layer table of an int8 graph imported from ONNX. */
int cmd_summary_onnx_q8(const char *path, const an_q_graph *g);

#endif /* ASICNN_CLI_ONNX_H */
