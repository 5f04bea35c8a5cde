/*
** Internals of the simulator shared by the functional executor and the
** timing model: the timing state that rides on the executor's
** per-instruction step (docs/timing.md). Each instruction's cost comes from
** the machine model (asicnn/arch.h).
*/
#ifndef ASICNN_SIM_INTERNAL_H
#define ASICNN_SIM_INTERNAL_H

#include "asicnn/sim.h"

/* Per-instruction record kept when tracing. */
typedef struct npu_event {
    int64_t start, end;
    int64_t index;
    int64_t dram; /* DRAM bus bytes */
    int32_t queue, unit, pclass, layer;
} npu_event;

typedef struct npu_timing npu_timing;

an_status npu_timing_create(npu_timing **out, const an_npu_exe *x, const an_isa_insn *prog,
                            int trace);
void npu_timing_free(npu_timing *t);
void npu_timing_reset(npu_timing *t);
void npu_timing_step(npu_timing *t, an_isa_queue q, int64_t index, const an_isa_insn *d,
                     int live_rows, int live_cols);
/* The profile of the run so far (layers get their share of the cycles). */
an_status npu_timing_profile(const npu_timing *t, an_profile *p);
/* Recorded events (NULL when not tracing). */
const npu_event *npu_timing_events(const npu_timing *t, int64_t *n);

/* The executor's timing state (NULL when timing is off). */
const npu_timing *npu_sim_timing(const an_npu_sim *s);
const an_npu_exe *npu_sim_exe(const an_npu_sim *s);

#endif /* ASICNN_SIM_INTERNAL_H */
