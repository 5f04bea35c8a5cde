/*
** The executable's input layout as the machine sees it: how many DRAM
** bytes one input sample takes (docs/npu.md, "The input layout"). The dry
** run marks exactly that span as written by the host before the start; the
** loader checks it lies inside DRAM; the host-side writer (src/npu) fills it.
*/
#include "asicnn/arch.h"

int64_t npu_input_bytes(const an_npu_exe *x) {
    const an_tensor *t = &x->input;
    const an_npu_input_layout *l = &x->in_layout;
    if (l->layout == AN_NPU_IN_IM2COL)
        return (int64_t)l->oh * l->ow * l->rows_per_px * l->row_bytes;
    if (l->layout == AN_NPU_IN_KROW)
        return npu_input_krows(l) * l->ow * l->rows_per_px * l->row_bytes;
    return (int64_t)t->h * t->w * t->c;
}

int64_t npu_input_krows(const an_npu_input_layout *l) {
    return (int64_t)(l->oh - 1) * l->sh + l->kh;
}
