/*
** Internals of the simulator shared by the functional executor and the
** timing model: the timing state that rides on the executor's
** per-instruction step, and the closed-form cost of one instruction
** (docs/timing.md).
*/
#ifndef ASICNN_SIM_INTERNAL_H
#define ASICNN_SIM_INTERNAL_H

#include "asicnn/runtime.h"
#include "npu/npu_internal.h"

/* What one instruction costs, independent of when it runs. */
typedef struct npu_cost {
    int64_t cycles;     /* duration without DRAM port contention */
    int64_t dram_xfer;  /* DMA: cycles the DRAM port is busy (0: no DRAM data) */
    int64_t latency;    /* DMA: cycles before the data phase */
    int64_t pad_cycles; /* DMA: cycles writing padding after the data */
    int pclass;         /* an_pclass */
    int unit;           /* npu_unit */
    an_perf add;        /* counts this instruction adds (bytes, MACs, lane ops) */
} npu_cost;

/* Units, one trace track each. */
typedef enum npu_unit {
    NPU_UNIT_DMA_IN = 0,
    NPU_UNIT_DMA_OUT,
    NPU_UNIT_ARRAY,
    NPU_UNIT_VECTOR,
    NPU_UNIT_HOST,
    NPU_UNIT_CTRL,
    NPU_UNIT_COUNT
} npu_unit;
extern const char *const NPU_UNIT_NAME[NPU_UNIT_COUNT];

/* The cost of d on x's chip; live_rows / live_cols describe the preloaded
** tile (GEMM). */
void npu_cost_of(const an_npu_exe *x, const an_isa_insn *d, int live_rows, int live_cols,
                 npu_cost *out);

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
