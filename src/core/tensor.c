/*
** Tensor headers: dtype tables, sizes, allocation from an arena.
*/
#include "asicnn/core.h"

const char *const AN_DTYPE_NAME[AN_DTYPE_COUNT] = {"float32", "int8", "uint8", "int32"};
const size_t AN_DTYPE_SIZE[AN_DTYPE_COUNT] = {4, 1, 1, 4};

int64_t an_tensor_numel(const an_tensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= t->dim[i];
    return n;
}

size_t an_tensor_nbytes(const an_tensor *t) {
    return (size_t)an_tensor_numel(t) * AN_DTYPE_SIZE[t->dtype];
}

an_status an_tensor_alloc(an_tensor *t, an_arena *a, an_dtype dt, int ndim, const int64_t *dim) {
    if (ndim < 0 || ndim > AN_MAX_DIMS || dt < 0 || dt >= AN_DTYPE_COUNT)
        return an_fail(AN_ERR_INTERNAL, "tensor: bad rank %d or dtype %d", ndim, (int)dt);
    size_t n = AN_DTYPE_SIZE[dt];
    for (int i = 0; i < ndim; i++) {
        if (dim[i] < 0 || !an_mul_size(n, (size_t)dim[i], &n))
            return an_fail(AN_ERR_NOMEM, "tensor: dimension %d (%lld) too large", i,
                           (long long)dim[i]);
    }
    *t = (an_tensor){.dtype = dt, .ndim = ndim, .q = {.scale = 1.0f}};
    for (int i = 0; i < ndim; i++) t->dim[i] = dim[i];
    t->data = an_arena_alloc(a, n, 64);
    if (!t->data) return an_fail(AN_ERR_NOMEM, "tensor: cannot allocate %zu bytes", n);
    return AN_OK;
}

const char *an_tensor_shape_str(const an_tensor *t, char *buf, size_t n) {
    size_t off = 0;
    if (n == 0) return buf;
    buf[0] = '\0';
    for (int i = 0; i < t->ndim && off < n; i++)
        off += (size_t)snprintf(buf + off, n - off, i ? "x%lld" : "%lld", (long long)t->dim[i]);
    return buf;
}
