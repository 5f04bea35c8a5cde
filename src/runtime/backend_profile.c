/*
** The counters of one batch of an executable on a backend
** (an_backend_profile), run on an all-zero-point input: the cycle counts
** of the chip do not depend on the values.
*/
#include "asicnn/runtime.h"

#include <stdlib.h>
#include <string.h>

an_status an_backend_profile(an_backend_kind k, const an_npu_exe *x, an_profile *p) {
    memset(p, 0, sizeof *p);
    const int64_t ni = (int64_t)x->batch * x->input.h * x->input.w * x->input.c;
    int8_t *in = NULL;
    an_backend *b = NULL;
    an_status s = an_alloc_array((void **)&in, (size_t)ni, 1, "int8 input");
    if (!s) memset(in, (int8_t)x->input.zero_point, (size_t)ni);
    if (!s) s = an_backend_load(&b, k, x, NULL);
    if (!s) s = an_backend_run(b, in);
    if (!s) s = an_backend_counters(b, p);
    an_backend_close(b);
    free(in);
    return s;
}
