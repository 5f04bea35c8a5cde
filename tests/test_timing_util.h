/*
** A hand-built GEMM program for the timing tests: n tiles of T activation
** rows streamed through one preloaded R x C weight tile, each tile loaded,
** multiplied, written to int8 and stored, with its dependency tokens
** written by hand. bufs = 2 double-buffers the input and the staging
** rows; bufs = 1 serialises each tile's load behind the previous GEMM.
*/
#ifndef ASICNN_TEST_TIMING_UTIL_H
#define ASICNN_TEST_TIMING_UTIL_H

#include "asicnn/sim.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static inline void tt_emit(an_npu_exe *x, const an_isa_insn *d) {
    cr_assert_eq(an_isa_encode(d, &x->insns[x->n_insns++]), AN_OK, "%s", an_errmsg());
}

static inline an_isa_insn tt_dma(int op, int buf, int64_t sram, int64_t dram, int64_t bytes,
                                 unsigned dep) {
    return (an_isa_insn){.op = op,
                         .dep = dep,
                         .buf = buf,
                         .sram = sram,
                         .dram = dram,
                         .ysize = 1,
                         .xsize = bytes,
                         .xbytes = 1,
                         .pitch = 1,
                         .dram_xstride = 1,
                         .dram_ystride = bytes};
}

static inline void tt_program(an_npu_exe *x, const an_npu_config *c, int n, int T, int bufs) {
    const int64_t R = c->rows, C = c->cols, A = R * C, O = A + (int64_t)n * T * R;
    memset(x, 0, sizeof *x);
    x->cfg = *c;
    x->batch = 1;
    x->dram_size = O + (int64_t)n * T * C;
    snprintf(x->source, sizeof x->source, "tiles%d", n);
    x->insns = calloc((size_t)(4 + 5 * n), sizeof *x->insns);
    x->data_size = A;
    x->data = malloc((size_t)A);
    for (int64_t i = 0; i < A; i++) x->data[i] = (uint8_t)(i % 7 + 1);
    x->input = (an_tensor){.h = 1, .w = 1, .c = n * T * (int32_t)R, .scale = 1.0f, .dram = A};
    x->output = (an_tensor){.h = 1, .w = 1, .c = n * T * (int32_t)C, .scale = 1.0f, .dram = O};
    x->n_affine = 1;
    x->in_mul = malloc(4), x->in_add = malloc(4);
    x->in_mul[0] = 1, x->in_add[0] = 0;
    const int64_t stage = 2 * (int64_t)T * R;
    tt_emit(x, &(an_isa_insn){0});
    x->n_insns = 0;
    an_isa_insn d = tt_dma(AN_ISA_LOAD, AN_BUF_WGT, 0, 0, A, AN_DEP_PUSH_NEXT);
    tt_emit(x, &d);
    tt_emit(x, &(an_isa_insn){.op = AN_ISA_PRELOAD, .dep = AN_DEP_POP_PREV, .wgt = 0});
    for (int i = 0; i < n; i++) {
        const int64_t in = (i % bufs) * (int64_t)T * R, st = stage + (i % bufs) * (int64_t)T * C;
        d = tt_dma(AN_ISA_LOAD, AN_BUF_ACT, in, A + (int64_t)i * T * R, (int64_t)T * R,
                   AN_DEP_PUSH_NEXT | (i >= bufs ? AN_DEP_POP_NEXT : 0));
        tt_emit(x, &d);
        tt_emit(x, &(an_isa_insn){.op = AN_ISA_GEMM,
                                  .dep = AN_DEP_POP_PREV | (i + bufs < n ? AN_DEP_PUSH_PREV : 0),
                                  .act = in / R,
                                  .n_outer = 1,
                                  .n_inner = T,
                                  .acc_inner = 1,
                                  .act_inner = 1});
        tt_emit(x, &(an_isa_insn){.op = AN_ISA_VEC,
                                  .dep = AN_DEP_PUSH_NEXT | (i >= bufs ? AN_DEP_POP_NEXT : 0),
                                  .vop = AN_VOP_WRITE,
                                  .dst = st,
                                  .src = 0,
                                  .n = T,
                                  .vpitch = C});
        d = tt_dma(AN_ISA_STORE, AN_BUF_ACT, st, O + (int64_t)i * T * C, (int64_t)T * C,
                   AN_DEP_POP_PREV | (i + bufs < n ? AN_DEP_PUSH_PREV : 0));
        tt_emit(x, &d);
    }
    tt_emit(x, &(an_isa_insn){.op = AN_ISA_FINISH});
    cr_assert_eq(an_npu_validate(x), AN_OK, "%s", an_errmsg());
}

/* Cycles of one timed run of x. */
static inline an_profile tt_profile(const an_npu_exe *x, const char *trace) {
    an_profile p;
    cr_assert_eq(an_npu_profile_run(x, NULL, trace, &p), AN_OK, "%s", an_errmsg());
    return p;
}

#endif /* ASICNN_TEST_TIMING_UTIL_H */
