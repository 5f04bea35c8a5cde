/*
** The static rules that let a VEC run beside the array (field beside,
** docs/timing.md): once it starts, the compute queue goes on with the
** PRELOADs and GEMMs after it, and the first compute instruction of another
** kind waits for it to end; with nodrain it also starts without waiting
** for the PRELOADs and GEMMs before it to drain. The hardware compares no
** addresses, so the program guarantees that none of those PRELOADs and
** GEMMs touches what the VEC touches where either side writes
** (npu_footprint's bounding ranges). The dry run refuses a program that
** breaks a rule; the compiler clears the flag where it would.
*/
#include "asicnn/arch.h"

/* Whether two bounding ranges conflict: one space, overlapping, a write. */
static int clash(const npu_range *a, const npu_range *b) {
    return a->space == b->space && (a->write || b->write) && a->lo < b->hi && b->lo < a->hi;
}

/* Whether array instruction prog[j] touches what v[0..nv) touches, a write
** on either side. */
static int touches(const an_insn *prog, int64_t j, const npu_range *v, int nv,
                   const an_npu_config *c, const an_npu_exe *x) {
    npu_range g[NPU_MAX_RANGES];
    an_isa_insn d;
    if (an_isa_decode(&prog[j], &d)) return 0;
    const int ng = npu_footprint(&d, c, x, g);
    for (int a = 0; a < nv; a++)
        for (int b = 0; b < ng; b++)
            if (clash(&v[a], &g[b])) return 1;
    return 0;
}

int64_t npu_beside_conflict(const an_insn *prog, int64_t n, int64_t i, const an_npu_config *c,
                            const an_npu_exe *x) {
    npu_range v[NPU_MAX_RANGES];
    an_isa_insn d;
    if (an_isa_decode(&prog[i], &d)) return -1; /* the caller's program decodes */
    const int nv = npu_footprint(&d, c, x, v);
    for (int64_t j = i + 1; j < n; j++) {
        if (an_insn_queue(&prog[j]) != AN_QUEUE_COMPUTE) continue;
        const int op = an_insn_op(&prog[j]);
        if (op != AN_ISA_PRELOAD && op != AN_ISA_GEMM) return -1;
        if (touches(prog, j, v, nv, c, x)) return j;
    }
    return -1;
}

int64_t npu_nodrain_conflict(const an_insn *prog, int64_t n, int64_t i, const an_npu_config *c,
                             const an_npu_exe *x) {
    npu_range v[NPU_MAX_RANGES];
    an_isa_insn d;
    if (i >= n || an_isa_decode(&prog[i], &d)) return -1;
    const int nv = npu_footprint(&d, c, x, v);
    for (int64_t j = i - 1; j >= 0; j--) {
        if (an_insn_queue(&prog[j]) != AN_QUEUE_COMPUTE) continue;
        const int op = an_insn_op(&prog[j]);
        if (op == AN_ISA_VEC &&
            an_isa_get(&prog[j], AN_ISA_VEC_nodrain_SHIFT, AN_ISA_VEC_nodrain_WIDTH))
            continue;                                             /* started before the drain too */
        if (op != AN_ISA_PRELOAD && op != AN_ISA_GEMM) return -1; /* it waited */
        if (touches(prog, j, v, nv, c, x)) return j;
    }
    return -1;
}
