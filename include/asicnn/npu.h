/*
** asicnn npu: the accelerator's configuration, its executable (.npu), the
** compiler from an int8 graph to an executable, and the functional
** executor that runs one bit-exactly (docs/npu.md, docs/isa.md).
**
** Contract
** - A chip configuration is plain data; an_npu_config_validate rejects any
**   configuration the hardware cannot have, naming the field.
** - An executable is self-contained: the chip configuration it targets,
**   the instruction stream, the DRAM image of its weights and parameters,
**   its input/output tensors with their quantization, what runs on the
**   host, and (optionally) the int8 graph it came from, for checking.
** - an_npu_parse validates every field, every address range and the token
**   protocol (a dry run proves: no deadlock, no read of uninitialised
**   memory, no race between queues) before anything runs; after that the
**   executor cannot touch memory outside the simulated chip.
** - The executor's outputs equal the integer reference engine's byte for
**   byte, for every layer that reaches DRAM and end to end.
*/
#ifndef ASICNN_NPU_H
#define ASICNN_NPU_H

#include "asicnn/core.h"
#include "asicnn/data.h"
#include "asicnn/isa.h"
#include "asicnn/quant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Chip configuration                                                       */

/* The largest array side (rows, cols) a configuration may have. */
#define AN_NPU_MAX_DIM 1024

typedef struct an_npu_config {
    char name[32];
    int32_t rows, cols;          /* systolic array R x C (reduction x output channels) */
    int64_t act_bytes;           /* activation buffer (int8) */
    int64_t wgt_bytes;           /* weight buffer (int8) */
    int64_t acc_bytes;           /* accumulator buffer (int32) */
    int32_t vec_lanes;           /* vector unit lanes (divides cols) */
    double dram_bytes_per_cycle; /* DRAM bandwidth */
    int32_t dram_latency;        /* cycles from request to first byte */
    int32_t dram_burst;          /* bytes per burst */
    double clock_mhz;            /* clock */
    int32_t insn_depth;          /* instruction queue depth (each queue) */
    int32_t token_depth;         /* dependency-token FIFO depth (each direction) */
    int32_t tech_nm;             /* technology node for energy */
} an_npu_config;

/* Preset names, NULL-terminated: "npu16" (the default), "vta-pynq",
** "nvdla-small-like", "tpu-v1-like". configs/NAME.json hold the same. */
extern const char *const AN_NPU_PRESETS[];

/* A preset by name, or a JSON file when name_or_path is not a preset. */
an_status an_npu_config_get(const char *name_or_path, an_npu_config *c);
/* Parse a JSON configuration (text is NUL-terminated); src names it. */
an_status an_npu_config_parse(const char *text, const char *src, an_npu_config *c);
/* Every field, naming the first bad one. */
an_status an_npu_config_validate(const an_npu_config *c, const char *src);
/* The configuration as JSON (malloc'd string). */
char *an_npu_config_json(const an_npu_config *c);
/* Whether a and b describe the same hardware: every field that changes what
** a program computes or how many cycles it takes (not the name, the clock
** or the technology node). */
int an_npu_config_same_chip(const an_npu_config *a, const an_npu_config *b);

/* Rows of each buffer in the units instructions address: activation rows
** of R bytes, weight rows of C bytes, accumulator rows of C int32. */
int64_t an_npu_act_rows(const an_npu_config *c);
int64_t an_npu_wgt_rows(const an_npu_config *c);
int64_t an_npu_acc_rows(const an_npu_config *c);

/* ------------------------------------------------------------------------ */
/* Executable                                                               */

/* A tensor in DRAM: batch samples of h*w*c int8 (NHWC) from dram on. */
typedef struct an_npu_tensor {
    int64_t dram;
    int32_t h, w, c;
    float scale;
    int32_t zero_point;
} an_npu_tensor;

/* An operator the host runs between instructions (AN_OP_HOST). */
typedef struct an_npu_host_op {
    int32_t op;               /* an_q_op: maxpool, avgpool or add */
    int32_t layer;            /* int8 graph layer */
    an_npu_tensor in[2], out; /* in[1] for add only */
    int32_t kh, kw, sh, sw, pt, pl;
    int32_t act_min, act_max;
    int32_t add_mult[3], add_shift[3];
} an_npu_host_op;

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

typedef struct an_npu_layer {
    char name[AN_Q_NAME_MAX];
    int32_t op;                    /* an_q_op */
    int32_t mode;                  /* an_npu_mode */
    int64_t out_dram;              /* output tensor in DRAM, -1 when it never gets there (fused) */
    int32_t h, w, c;               /* output shape */
    int32_t tile_h, tile_w, tiles; /* output tile and tile count (per sample for conv) */
    int64_t first_insn, n_insn;    /* its instructions */
    int64_t macs;                  /* array MACs issued (R*C per streamed row) */
} an_npu_layer;

/* How the host writes the input tensor into DRAM (an_npu_write_input). */
typedef enum an_npu_in_layout {
    AN_NPU_IN_NHWC = 0,   /* batch samples of h*w*c bytes */
    AN_NPU_IN_IM2COL = 1, /* per sample, per output pixel of the conv that reads it
                             (row-major): its kh x kw x c window in OHWI order, the
                             zero point where the window leaves the image, padded
                             with the zero point to rows_per_px rows of row_bytes */
} an_npu_in_layout;

typedef struct an_npu_input_layout {
    int32_t layout;                 /* an_npu_in_layout */
    int32_t kh, kw, sh, sw, pt, pl; /* IM2COL: the window of the conv reading it */
    int32_t oh, ow;                 /* IM2COL: that conv's output pixels */
    int32_t row_bytes, rows_per_px; /* IM2COL: R, ceil(kh*kw*c / R) */
} an_npu_input_layout;

#define AN_NPU_VERSION 2

typedef struct an_npu_exe {
    an_npu_config cfg;
    int32_t batch;
    int64_t dram_size; /* simulated DRAM bytes */
    an_insn *insns;    /* [n_insns] */
    int64_t n_insns;
    uint8_t *data; /* [data_size] initial DRAM bytes at address 0 */
    int64_t data_size;
    an_npu_tensor input, output;
    an_npu_input_layout in_layout; /* how the input lies in DRAM */
    int64_t n_affine;              /* raw -> int8 input map (as an_q_input) */
    float *in_mul, *in_add;        /* [n_affine] */
    an_npu_layer *layers;          /* [n_layers] one per int8 graph layer */
    int32_t n_layers;
    an_npu_host_op *host; /* [n_host] */
    int32_t n_host;
    uint8_t *qref; /* [qref_size] the .q8 image it came from, or NULL */
    int64_t qref_size;
    char source[256]; /* file name, for messages */
} an_npu_exe;

void an_npu_exe_free(an_npu_exe *x);

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

/* ------------------------------------------------------------------------ */
/* Functional executor                                                      */

typedef struct an_npu_sim an_npu_sim;

/* Called before each instruction runs (a timing model hooks here). */
typedef void (*an_npu_hook)(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d);

an_status an_npu_sim_create(an_npu_sim **out, const an_npu_exe *x);
void an_npu_sim_free(an_npu_sim *s);
void an_npu_sim_set_hook(an_npu_sim *s, an_npu_hook hook, void *ctx);

/* Run the program on x.batch int8 samples in [batch, input size]; the
** logits land in out [batch, output size]. */
an_status an_npu_sim_run(an_npu_sim *s, const int8_t *in, int8_t *out);

/* The simulated DRAM after a run (layer outputs lie at layers[i].out_dram). */
const uint8_t *an_npu_sim_dram(const an_npu_sim *s);

/* Instructions executed in the last run, per queue. */
int64_t an_npu_sim_count(const an_npu_sim *s, an_isa_queue q);

/* Accuracy of the executable on raw samples, and (when ref is not NULL)
** equality with the reference engine of every DRAM-visible layer of every
** sample: the first difference fails with its sample, layer and element. */
typedef struct an_npu_eval {
    int64_t n, correct, equal; /* equal: samples whose every layer matched */
    int64_t insns;             /* instructions executed */
} an_npu_eval;
an_status an_npu_evaluate(const an_npu_exe *x, const an_q_graph *ref, const an_dataset *raw,
                          an_npu_eval *r);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_NPU_H */
