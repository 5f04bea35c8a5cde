/*
** Int8 export (QDQ ONNX).
*/
#include "onnx_internal.h"

#include <stdlib.h>

an_status an_onnx_export_q8_buffer(const an_q_graph *g, uint8_t **buf, size_t *n) {
    *buf = NULL, *n = 0;
    return an_fail(AN_ERR_UNSUPPORTED, "%s: int8 ONNX export is not implemented yet", g->source);
}

an_status an_onnx_export_q8(const char *path, const an_q_graph *g) {
    uint8_t *buf;
    size_t n;
    an_status s = an_onnx_export_q8_buffer(g, &buf, &n);
    if (!s) s = ox_write_file(path, buf, n);
    free(buf);
    return s;
}
