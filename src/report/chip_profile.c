/*
** One figure source for the hardware rows of the comparison and for the
** sweep: an int8 graph compiled for a chip configuration and one batch
** profiled on the first backend of the runtime that counts a whole
** profile and supports the program (an_backend_profile_any: the
** simulator's cycles, docs/timing.md; energy at LPDDR4, docs/energy.md).
*/
#include "report_internal.h"

#include "asicnn/runtime.h"

an_status rp_chip_profile(const an_q_graph *g, const an_npu_config *cfg, int B, an_profile *p) {
    an_npu_compile_opts co = an_npu_compile_defaults();
    co.batch = B;
    an_npu_exe x;
    an_status s = an_npu_compile(g, cfg, &co, NULL, 0, &x, NULL);
    if (s) return s;
    s = an_backend_profile_any(&x, NULL, NULL, p);
    an_npu_exe_free(&x);
    return s;
}
