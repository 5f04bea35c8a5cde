/*
** The counters of one batch of an executable on a backend
** (an_backend_profile), or on the first that counts a whole profile
** (an_backend_profile_any), run on an all-zero-point input: the cycle
** counts of the chip do not depend on the values. A trace asked of a
** backend that records none is refused before anything runs.
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

an_status an_backend_profile_any(const an_npu_exe *x, const an_energy_params *e,
                                 const char *trace_path, an_profile *p) {
    const unsigned caps =
        AN_BACKEND_CAP_CYCLES | AN_BACKEND_CAP_PROFILE | (trace_path ? AN_BACKEND_CAP_TRACE : 0u);
    an_backend_kind k;
    an_status s = an_backend_find(caps, x, &k);
    if (s) memset(p, 0, sizeof *p);
    return s ? s : an_backend_profile(k, x, e, trace_path, p);
}
