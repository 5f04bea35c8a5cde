/*
** Internals shared by the npu module (compiler, executable) and the
** simulator: the address arithmetic of each instruction (one definition,
** used by the executor, the dry-run checker and the compiler's dependency
** pass), the static check of one instruction against the chip, and the
** queue scheduler that both the checker and the executor run.
*/
#ifndef ASICNN_NPU_INTERNAL_H
#define ASICNN_NPU_INTERNAL_H

#include "asicnn/npu.h"

/* Memory spaces an instruction touches. ARRAY is the preloaded weight tile. */
typedef enum npu_space {
    NPU_DRAM = 0,
    NPU_ACT,
    NPU_WGT,
    NPU_ACC,
    NPU_ARRAY,
    NPU_SPACE_COUNT
} npu_space;
extern const char *const NPU_SPACE_NAME[NPU_SPACE_COUNT];

/* Limits the loader enforces beyond the field widths. */
#define NPU_MAX_DRAM  (INT64_C(1) << 28) /* simulated DRAM bytes */
#define NPU_MAX_INSNS (INT64_C(1) << 24)
#define NPU_MAX_HOST  4096

/* ---- addressing (rows: act R bytes, wgt C bytes, acc C int32) ---- */

static inline int64_t npu_gemm_act(const an_isa_insn *d, int64_t o, int64_t i) {
    return d->act + o * d->act_outer + i * d->act_inner;
}
static inline int64_t npu_gemm_acc(const an_isa_insn *d, int64_t o, int64_t i) {
    return d->acc + o * d->acc_outer + i * d->acc_inner;
}
/* Pool window cell (ky, kx) of output (y, x): its grid cell, or -1 outside. */
static inline int64_t npu_pool_cell(const an_isa_insn *d, int64_t y, int64_t x, int64_t ky,
                                    int64_t kx) {
    const int64_t gy = y * d->sh + d->oy + ky, gx = x * d->sw + d->ox + kx;
    if (gy < 0 || gy >= d->gh || gx < 0 || gx >= d->gw) return -1;
    return gy * d->gw + gx;
}

/* DMA elements, in order: data bytes (dram >= 0) and padding (dram = -1).
** fn gets the SRAM byte offset, DRAM byte offset or -1, and the length;
** a nonzero return stops the walk and is returned. */
typedef int (*npu_dma_fn)(void *ctx, int64_t sram, int64_t dram, int64_t n);
int npu_dma_walk(const an_isa_insn *d, npu_dma_fn fn, void *ctx);

/* SRAM bytes [sram, end) a DMA covers; DRAM bytes [dram, end) (end = dram
** when it moves no data). */
int64_t npu_dma_sram_end(const an_isa_insn *d);
int64_t npu_dma_dram_end(const an_isa_insn *d);

/* Bytes of buffer b. */
int64_t npu_space_size(const an_npu_config *c, int64_t dram_size, int space);

/* Check one decoded instruction against the chip: every field in range,
** every address inside its buffer or DRAM (dram_size), host index below
** n_host. Message: "instruction N (OP): field F = V ...". */
an_status npu_insn_check(const an_isa_insn *d, int64_t index, const an_npu_config *c,
                         int64_t dram_size, int32_t n_host);

/* A bounding byte range an instruction reads or writes. */
typedef struct npu_range {
    int space;
    int write;
    int64_t lo, hi; /* [lo, hi) */
} npu_range;
#define NPU_MAX_RANGES 8
/* Bounding ranges of d (host ops read their inputs and write their output,
** all samples). Returns how many. */
int npu_footprint(const an_isa_insn *d, const an_npu_config *c, const an_npu_exe *x,
                  npu_range out[NPU_MAX_RANGES]);

/* ---- the scheduler ---- */

/* Fetch dispatches instructions in program order into the three queues
** (each insn_depth deep); each queue runs its head when the tokens it pops
** are there and the FIFOs it pushes have room (token_depth). The order is
** deterministic. step runs one instruction; a nonzero return stops. */
typedef an_status (*npu_step_fn)(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d);
an_status npu_schedule(const an_isa_insn *prog, int64_t n, const an_npu_config *c, const char *src,
                       npu_step_fn step, void *ctx);

/* Token channel a dep bit of an instruction on queue q uses (0..3:
** load->compute, compute->load, compute->store, store->compute), or -1 when
** that queue has no such neighbour. */
int npu_token_channel(an_isa_queue q, unsigned dep_bit);
extern const char *const NPU_CHANNEL_NAME[4];

/* ---- the dry-run checker (src/sim/check.c) ---- */
an_status npu_dry_run(const an_npu_exe *x, const an_isa_insn *prog);

#endif /* ASICNN_NPU_INTERNAL_H */
