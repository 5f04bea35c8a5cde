/*
** The tensor descriptor (core.h): dtype tables and per-sample sizes.
*/
#include "asicnn/core.h"

const char *const AN_DTYPE_NAME[AN_DTYPE_COUNT] = {"int8", "int32", "float32"};
const size_t AN_DTYPE_SIZE[AN_DTYPE_COUNT] = {1, 4, 4};

int64_t an_tensor_numel(const an_tensor *t) {
    return (int64_t)t->h * t->w * t->c;
}

int64_t an_tensor_bytes(const an_tensor *t) {
    return an_tensor_numel(t) * (int64_t)AN_DTYPE_SIZE[t->dtype];
}
