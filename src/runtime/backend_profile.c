/*
** The counters of one batch of an executable on a backend
** (an_backend_profile), run on an all-zero-point input: the cycle counts
** of the chip do not depend on the values. A trace asked of a backend that
** records none is refused before anything runs.
*/
#include "backend_internal.h"

#include <stdlib.h>
#include <string.h>

an_status an_backend_profile(an_backend_kind k, const an_npu_exe *x, const an_energy_params *e,
                             const char *trace_path, an_profile *p) {
    memset(p, 0, sizeof *p);
    const int64_t ni = x->batch * an_tensor_numel(&x->input);
    const an_backend_opts opts = {.trace = trace_path != NULL, .energy = e};
    int8_t *in = NULL;
    an_backend *b = NULL;
    an_status s = an_backend_load(&b, k, x, &opts);
    if (!s && trace_path && !b->ops->trace) s = an_backend_trace(b, trace_path);
    if (!s) s = an_alloc_array((void **)&in, (size_t)ni, 1, "int8 input");
    if (!s) memset(in, (int8_t)x->input.zero_point, (size_t)ni);
    if (!s) s = an_backend_run(b, in);
    if (!s) s = an_backend_counters(b, p);
    if (!s && trace_path) s = an_backend_trace(b, trace_path);
    if (s) an_profile_free(p);
    an_backend_close(b);
    free(in);
    return s;
}
