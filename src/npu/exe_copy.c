/*
** A deep copy of an executable in memory (an_npu_exe_copy), validated as a
** loaded one is, for holders that must not depend on the caller's copy
** (the runtime's devices).
*/
#include "asicnn/npu.h"

#include <stdlib.h>
#include <string.h>

/* *dst = a malloc'd copy of n elements of size bytes at src (NULL when n is 0). */
static int dup_array(void *dst, const void *src, int64_t n, size_t size) {
    void *p = NULL;
    if (n > 0 && src) {
        if (!(p = malloc((size_t)n * size))) return -1;
        memcpy(p, src, (size_t)n * size);
    }
    memcpy(dst, &p, sizeof p);
    return 0;
}

an_status an_npu_exe_copy(const an_npu_exe *x, an_npu_exe *y) {
    *y = *x;
    y->insns = NULL, y->data = NULL, y->in_mul = NULL, y->in_add = NULL;
    y->layers = NULL, y->host = NULL, y->qref = NULL;
    const int bad = dup_array(&y->insns, x->insns, x->n_insns, sizeof *x->insns) ||
                    dup_array(&y->data, x->data, x->data_size, 1) ||
                    dup_array(&y->in_mul, x->in_mul, x->n_affine, sizeof *x->in_mul) ||
                    dup_array(&y->in_add, x->in_add, x->n_affine, sizeof *x->in_add) ||
                    dup_array(&y->layers, x->layers, x->n_layers, sizeof *x->layers) ||
                    dup_array(&y->host, x->host, x->n_host, sizeof *x->host) ||
                    dup_array(&y->qref, x->qref, x->qref_size, 1);
    an_status s =
        bad ? an_fail(AN_ERR_NOMEM, "%s: out of memory for a copy", x->source) : an_npu_validate(y);
    if (s) an_npu_exe_free(y);
    return s;
}
