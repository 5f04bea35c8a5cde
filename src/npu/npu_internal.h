/*
** Internals of the npu module (compiler, executable format and loader).
** The machine model they stand on is public: asicnn/arch.h.
*/
#ifndef ASICNN_NPU_INTERNAL_H
#define ASICNN_NPU_INTERNAL_H

#include "asicnn/arch.h"

#endif /* ASICNN_NPU_INTERNAL_H */
