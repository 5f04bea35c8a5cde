/*
** asicnn npu: the accelerator's configuration, its executable (.npu) and
** the compiler from an int8 graph to an executable (docs/npu.md,
** docs/isa.md). The simulator that runs one is asicnn/sim.h.
**
** Contract
** - An executable (its in-memory form is in asicnn/arch.h) is self-contained: the chip
*configuration it targets,
**   the instruction stream, the DRAM image of its weights and parameters,
**   its input/output tensors with their quantization, what runs on the
**   host, and (optionally) the int8 graph it came from, for checking.
** - an_npu_parse validates every field, every address range and the token
**   protocol (a dry run proves: no deadlock, no read of uninitialised
**   memory, no race between queues) before anything runs; after that no
**   backend can touch memory outside the simulated chip.
*/
#ifndef ASICNN_NPU_H
#define ASICNN_NPU_H

#include "asicnn/core.h"
#include "asicnn/data.h"
#include "asicnn/arch.h"
#include "asicnn/isa.h"
#include "asicnn/quant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Executable                                                               */

/* How a layer was compiled (reporting, per-layer checks). */
typedef enum an_npu_mode {
    AN_NPU_MODE_KPOS = 0,  /* conv/dense: per-kernel-position accumulation */
    AN_NPU_MODE_IM2COL,    /* conv: im2col by DMA */
    AN_NPU_MODE_VECTOR,    /* pool / add on the vector unit */
    AN_NPU_MODE_FUSED,     /* pool fused into the conv before it */
    AN_NPU_MODE_ALIAS,     /* flatten: same DRAM bytes */
    AN_NPU_MODE_HOST,      /* run by the host */
    AN_NPU_MODE_IM2COL_IN, /* conv: the host writes its input as im2col rows */
    AN_NPU_MODE_COUNT
} an_npu_mode;
extern const char *const AN_NPU_MODE_NAME[AN_NPU_MODE_COUNT];

#define AN_NPU_VERSION 2

void an_npu_exe_free(an_npu_exe *x);

/* A deep copy of x in y, validated (an_npu_validate); on failure y is empty. */
an_status an_npu_exe_copy(const an_npu_exe *x, an_npu_exe *y);

/* Whole .npu image in a malloc'd buffer / written atomically. */
an_status an_npu_serialize(const an_npu_exe *x, uint8_t **buf, size_t *n);
an_status an_npu_save(const char *path, const an_npu_exe *x);

/* Parse and validate an image (name is for messages) / a file. On failure
** x is empty and the message names the file, section, field or
** instruction. */
an_status an_npu_parse(const uint8_t *buf, size_t n, const char *name, an_npu_exe *x);
an_status an_npu_load(const char *path, an_npu_exe *x);

/* Write x->batch int8 samples (NHWC, [batch, h*w*c]) into dram at the input
** tensor's address in the executable's layout: every backend that puts the
** input into the chip's DRAM goes through this one function. */
void an_npu_write_input(const an_npu_exe *x, const int8_t *in, uint8_t *dram);

/* Quantize raw samples [at, at + x->batch) with the executable's input map
** into q [batch, input size]; a last, partial batch is padded with copies of
** its first sample. Returns the number of real samples in the batch. */
int an_npu_quantize_batch(const an_npu_exe *x, const an_dataset *raw, int64_t at, int8_t *q);

/* Validate an in-memory executable: fields, ranges and the dry run. */
an_status an_npu_validate(const an_npu_exe *x);

/* ------------------------------------------------------------------------ */
/* Compiler                                                                 */

typedef enum an_npu_conv_choice {
    AN_NPU_CONV_AUTO = 0, /* by estimated cost, per layer */
    AN_NPU_CONV_KPOS,
    AN_NPU_CONV_IM2COL,
} an_npu_conv_choice;

typedef struct an_npu_compile_opts {
    int batch;               /* samples per run (>= 1) */
    an_npu_conv_choice conv; /* conv lowering */
    uint32_t host_ops;       /* bit (1 << an_q_op): run these ops on the host */
    int no_fuse;             /* keep pools as their own vector passes */
    int no_search;           /* take the closed-form estimate's tiles without timing others */
    const char *print_after; /* pass name, "all", or NULL */
} an_npu_compile_opts;

an_npu_compile_opts an_npu_compile_defaults(void);

/* Pass names in order, NULL-terminated. */
extern const char *const AN_NPU_PASSES[];

/* Compile g for cfg. When o->print_after names a pass, *dump receives the
** program after it (malloc'd text; NULL otherwise). qref/qref_size (may be
** NULL) are embedded for `asicnn run` to check against. */
an_status an_npu_compile(const an_q_graph *g, const an_npu_config *cfg,
                         const an_npu_compile_opts *o, const uint8_t *qref, size_t qref_size,
                         an_npu_exe *out, char **dump);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_NPU_H */
