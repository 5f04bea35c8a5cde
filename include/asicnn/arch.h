/*
** asicnn arch: the machine model under both the compiler and the simulator
** (docs/isa.md, docs/timing.md). What defines the chip beside its encoding
** (isa.h): its configuration (presets, JSON, validation), the in-memory
** form of a program for it (the executable; npu.h stores, loads and
** compiles one), the memory spaces and the address arithmetic of every
** instruction, the static check of one instruction against the chip, the
** bytes it touches, the queue/token scheduler, the dry run every
** executable passes before it runs, the counters an instruction adds and
** the closed-form cost of each instruction. src/npu (compiler, executable loader) and src/sim
*(executor,
** timing model) both stand on it; nothing here knows either of them.
**
** Contract
** - A chip configuration is plain data; an_npu_config_validate rejects any
**   configuration the hardware cannot have, naming the field.
** - Pure functions of an instruction, the chip configuration and (for host
**   operators) the executable; nothing allocates except the scheduler and
**   the dry run, which free what they take.
** - The cost of an instruction never depends on when it runs or on data
**   values (except the live rows/columns of the preloaded tile, which only
**   count MACs).
*/
#ifndef ASICNN_ARCH_H
#define ASICNN_ARCH_H

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
/* Executable: a program for the chip, in memory (npu.h stores and loads it) */

/* An operator the host runs between instructions (AN_OP_HOST). */
typedef struct an_npu_host_op {
    int32_t op;           /* an_q_op: maxpool, avgpool or add */
    int32_t layer;        /* int8 graph layer */
    an_tensor in[2], out; /* in[1] for add only */
    int32_t kh, kw, sh, sw, pt, pl;
    int32_t act_min, act_max;
    int32_t add_mult[3], add_shift[3];
} an_npu_host_op;

typedef struct an_npu_layer {
    char name[AN_Q_NAME_MAX];
    int32_t op;                    /* an_q_op */
    int32_t mode;                  /* an_npu_mode (npu.h) */
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
    AN_NPU_IN_KROW = 2,   /* per sample, per row r of the conv's padded input
                             ((oh - 1) * sh + kh rows: input row r - pt) and per
                             output column (row-major): the kw x c bytes of that
                             row from column ox * sw - pl (the zero point outside
                             the image), padded with the zero point to
                             rows_per_px rows of row_bytes */
} an_npu_in_layout;

typedef struct an_npu_input_layout {
    int32_t layout;                 /* an_npu_in_layout */
    int32_t kh, kw, sh, sw, pt, pl; /* IM2COL, KROW: the window of the conv reading it */
    int32_t oh, ow;                 /* IM2COL, KROW: that conv's output pixels */
    int32_t row_bytes, rows_per_px; /* R; ceil(kh*kw*c / R) (IM2COL), ceil(kw*c / R) (KROW) */
} an_npu_input_layout;

typedef struct an_npu_exe {
    an_npu_config cfg;
    int32_t batch;
    int64_t dram_size; /* simulated DRAM bytes */
    an_insn *insns;    /* [n_insns] */
    int64_t n_insns;
    uint8_t *data; /* [data_size] initial DRAM bytes at address 0 */
    int64_t data_size;
    an_tensor input, output;       /* int8, placed in DRAM (their dram field) */
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

/* ------------------------------------------------------------------------ */
/* Counters                                                                 */

/* Why a queue waited before its next instruction could start. */
typedef enum an_stall {
    AN_STALL_FETCH = 0, /* no instruction dispatched yet (instruction issue) */
    AN_STALL_LOAD,      /* waiting for a token from the load queue (DMA in) */
    AN_STALL_COMPUTE,   /* waiting for a token from the compute queue (array / vector) */
    AN_STALL_STORE,     /* waiting for a token from the store queue (DMA out) */
    AN_STALL_FIFO,      /* a token FIFO it pushes is full */
    AN_STALL_COUNT
} an_stall;
extern const char *const AN_STALL_NAME[AN_STALL_COUNT];

/* Memories whose bytes are counted. */
typedef enum an_mem { AN_MEM_DRAM = 0, AN_MEM_ACT, AN_MEM_WGT, AN_MEM_ACC, AN_MEM_COUNT } an_mem;
extern const char *const AN_MEM_NAME[AN_MEM_COUNT];

/* Instruction classes. */
typedef enum an_pclass {
    AN_PC_LOAD_ACT = 0,
    AN_PC_LOAD_WGT,
    AN_PC_LOAD_ACC,
    AN_PC_STORE,
    AN_PC_PRELOAD,
    AN_PC_GEMM,
    AN_PC_VEC,
    AN_PC_HOST,
    AN_PC_CTRL, /* SYNC, FINISH */
    AN_PC_COUNT
} an_pclass;
extern const char *const AN_PCLASS_NAME[AN_PC_COUNT];

/* Energy components. */
typedef enum an_ecomp {
    AN_E_MAC = 0,
    AN_E_ACT,
    AN_E_WGT,
    AN_E_ACC,
    AN_E_VEC,
    AN_E_DRAM,
    AN_E_LEAK,
    AN_E_COUNT
} an_ecomp;
extern const char *const AN_ECOMP_NAME[AN_E_COUNT];

typedef struct an_perf {
    int64_t insns;
    int64_t cycles;                /* class: sum of durations; layer: its share of the total */
    int64_t busy;                  /* sum of instruction durations */
    int64_t stall[AN_STALL_COUNT]; /* cycles a queue waited before these instructions */
    int64_t array_cycles;          /* PRELOAD + GEMM cycles */
    int64_t macs;                  /* useful MACs: streamed rows x PEs holding a live weight */
    int64_t pe_slots;              /* streamed rows x R x C */
    int64_t rd[AN_MEM_COUNT], wr[AN_MEM_COUNT]; /* bytes read / written per memory */
    int64_t dram_bus;                           /* DRAM bytes on the bus (whole bursts) */
    int64_t vec_lane_ops, vec_mul_ops;          /* vector lane operations (mul: requant) */
    double energy_pj[AN_E_COUNT];
} an_perf;

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

/* Cycles an instruction spends in the fetch unit's decode pipeline between
** its dispatch and its queue (docs/timing.md): it can start AN_DECODE_STAGES
** + 1 cycles after its dispatch at the earliest. The RTL's an_decode has as
** many register stages (an_params.vh carries the number). */
#define AN_DECODE_STAGES 4

/* Register stages of the vector unit's requantization lanes (docs/timing.md):
** a VEC that requantizes (REQUANT, a pool with wr8) reads a row in a cycle and
** writes its result (counts the cell in its window) AN_REQUANT_STAGES cycles
** later, so it takes that many cycles more. The RTL's an_requant has as many
** (an_params.vh carries the number). */
#define AN_REQUANT_STAGES 6

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

/* The first PRELOAD or GEMM that may run while VEC prog[i] runs beside the
** array (those after it in the compute queue, up to its next instruction
** of another kind) and touches what the VEC touches, a write on either
** side; -1 when none does (src/arch/beside.c, docs/timing.md). The
** program is encoded (and decodes: the loader or the compiler made it). */
int64_t npu_beside_conflict(const an_insn *prog, int64_t n, int64_t i, const an_npu_config *c,
                            const an_npu_exe *x);

/* The first PRELOAD or GEMM that may still be draining when VEC prog[i],
** with nodrain, starts (those before it in the compute queue back to the
** latest instruction of another kind that waited for the drain: not a VEC
** with nodrain) and touches what the VEC touches, a write on either side;
** -1 when none does (src/arch/beside.c, docs/timing.md). */
int64_t npu_nodrain_conflict(const an_insn *prog, int64_t n, int64_t i, const an_npu_config *c,
                             const an_npu_exe *x);

/* ---- the scheduler ---- */

/* Fetch dispatches instructions in program order into the three queues
** (each insn_depth deep); each queue runs its head when the tokens it pops
** are there and the FIFOs it pushes have room (token_depth). The order is
** deterministic. step runs one instruction (d: its decoded form, valid
** during the call); a nonzero return stops. prog stays encoded: each
** instruction is decoded when it is fetched. */
typedef an_status (*npu_step_fn)(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d);
an_status npu_schedule(const an_insn *prog, int64_t n, const an_npu_config *c, const char *src,
                       npu_step_fn step, void *ctx);

/* Token channel a dep bit of an instruction on queue q uses (0..3:
** load->compute, compute->load, compute->store, store->compute), or -1 when
** that queue has no such neighbour. */
int npu_token_channel(an_isa_queue q, unsigned dep_bit);
extern const char *const NPU_CHANNEL_NAME[4];
/* The dep bits that pop a token (from the previous, the next queue) and
** those that push one, for loops over both neighbours of a queue. */
extern const unsigned NPU_DEP_POPS[2];
extern const unsigned NPU_DEP_PUSHES[2];

/* ---- the input layout (layout.c) ---- */

/* DRAM bytes one input sample takes in the executable's input layout (the
** samples as they are, or the first convolution's im2col rows or
** kernel-row elements). */
int64_t npu_input_bytes(const an_npu_exe *x);
/* Rows of the padded input a krow layout holds per sample: (oh - 1) * sh +
** kh (input row r - pt each). */
int64_t npu_input_krows(const an_npu_input_layout *l);

/* ---- the dry-run checker (check.c) ---- */
/* x's program (x->insns, every instruction already decoded and checked by
** npu_insn_check) through the scheduler, every access checked. */
an_status npu_dry_run(const an_npu_exe *x);

/* ---- the closed-form cost of one instruction (cost.c) ---- */

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

/* ---- the timing model (timing.c, docs/timing.md) ---- */

/* Per-instruction record kept when tracing. */
typedef struct npu_event {
    int64_t start, end;
    int64_t index;
    int64_t dram; /* DRAM bus bytes */
    int32_t queue, unit, pclass, layer;
} npu_event;

/* When each instruction of a program starts and ends: the simulator steps
** it beside its executor (npu_timing_step in the scheduler's order), the
** compiler runs it alone (npu_time). Cycles never depend on data. */
typedef struct npu_timing npu_timing;

an_status npu_timing_create(npu_timing **out, const an_npu_exe *x, int trace);
void npu_timing_free(npu_timing *t);
void npu_timing_reset(npu_timing *t);
/* Instruction index (d, on queue q) runs next; live_rows / live_cols: the
** PEs holding a live weight (the MAC counter). */
void npu_timing_step(npu_timing *t, an_isa_queue q, int64_t index, const an_isa_insn *d,
                     int live_rows, int live_cols);
/* The run so far: returns its last end; *total, *cls ([AN_PC_COUNT]) and
** *lay ([n_layers + 1], "other" last) point at its counters, and owned
** ([n_layers + 1]) gets the cycles each layer owns (from the completion of
** the layers before it to its own; "other" the rest); any may be NULL. */
int64_t npu_timing_sums(const npu_timing *t, const an_perf **total, const an_perf **cls,
                        const an_perf **lay, int64_t *owned);
/* Recorded events (NULL when not tracing). */
const npu_event *npu_timing_events(const npu_timing *t, int64_t *n);
/* Time a whole program (x->insns) without running it: *out holds its
** timing (the caller frees it). The program must pass the dry run. */
an_status npu_time(const an_npu_exe *x, npu_timing **out);

#ifdef __cplusplus
}
#endif

#endif /* ASICNN_ARCH_H */
