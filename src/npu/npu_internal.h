/*
** Internals of the npu module (compiler, executable format and loader).
** The machine model they stand on is public: asicnn/arch.h (npu.h includes it).
*/
#ifndef ASICNN_NPU_INTERNAL_H
#define ASICNN_NPU_INTERNAL_H

#include "asicnn/npu.h"

/* The input layout's fields against the input tensor and the chip (input.c). */
an_status npu_input_layout_check(const an_npu_exe *x);

#endif /* ASICNN_NPU_INTERNAL_H */
