/*
** Internals of the simulator shared by the functional executor and the
** profiles and traces: the executor's timing state, the machine model's
** timing (asicnn/arch.h) riding on its per-instruction step
** (docs/timing.md).
*/
#ifndef ASICNN_SIM_INTERNAL_H
#define ASICNN_SIM_INTERNAL_H

#include "asicnn/sim.h"

/* The profile of the executor's run so far (layers get their share of the
** cycles: npu_timing_sums). */
an_status npu_timing_profile(const npu_timing *t, const an_npu_exe *x, an_profile *p);

/* The executor's timing state (NULL when timing is off). */
const npu_timing *npu_sim_timing(const an_npu_sim *s);
const an_npu_exe *npu_sim_exe(const an_npu_sim *s);

#endif /* ASICNN_SIM_INTERNAL_H */
