/*
** asicnn isa: the instruction set of the asicnn int8 accelerator, defined
** once. The compiler, the executable loader, the simulator and (later) the
** Verilog decoder all take their constants from this header; docs/isa.md
** describes every field.
**
** Contract
** - An instruction is 256 bits: four little-endian 64-bit words. Every field
**   lies inside one word; its bit position is (shift, width) counted from
**   bit 0 of word 0, so word = shift / 64. Fields are packed and unpacked
**   with explicit shifts and masks (an_isa_get/an_isa_set), never with C
**   bit-fields, whose layout depends on the compiler.
** - Bits 0..3 hold the opcode, bits 4..7 the dependency-token flags; the
**   rest depends on the opcode. Unused bits must be zero.
** - AN_ISA_FIELDS lists every field as X(OP, NAME, SHIFT, WIDTH, SIGNED);
**   the decoded form (an_isa_insn) has one int64 member per field name.
**   Generators (docs, Verilog localparams) walk this list.
*/
#ifndef ASICNN_ISA_H
#define ASICNN_ISA_H

#include "asicnn/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AN_ISA_BITS  256
#define AN_ISA_WORDS 4
#define AN_ISA_BYTES 32

/* Opcodes (bits 0..3). */
typedef enum an_isa_op {
    AN_ISA_LOAD = 0,    /* DMA DRAM -> SRAM (2-D strided, padding inserted) */
    AN_ISA_STORE = 1,   /* DMA activation SRAM -> DRAM (2-D strided) */
    AN_ISA_GEMM = 2,    /* stream activation rows through the array */
    AN_ISA_FINISH = 3,  /* end of program (last instruction) */
    AN_ISA_VEC = 4,     /* vector unit on accumulator rows */
    AN_ISA_PRELOAD = 5, /* weight tile (R x C) from the weight buffer into the array */
    AN_ISA_SYNC = 6,    /* no operation: carries dependency tokens only */
    AN_ISA_HOST = 7,    /* operator run by the host on DRAM tensors */
    AN_ISA_OP_COUNT
} an_isa_op;

extern const char *const AN_ISA_OP_NAME[AN_ISA_OP_COUNT];

/* Dependency-token flags (bits 4..7). prev/next are the neighbouring queues:
** load <-> compute <-> store (load has no prev, store no next). Pops happen
** before the instruction runs, pushes after it completes. */
#define AN_DEP_POP_PREV  1u
#define AN_DEP_POP_NEXT  2u
#define AN_DEP_PUSH_PREV 4u
#define AN_DEP_PUSH_NEXT 8u

/* Queues an instruction is dispatched to. */
typedef enum an_isa_queue {
    AN_QUEUE_LOAD = 0,
    AN_QUEUE_COMPUTE = 1,
    AN_QUEUE_STORE = 2,
    AN_QUEUE_COUNT
} an_isa_queue;
extern const char *const AN_ISA_QUEUE_NAME[AN_QUEUE_COUNT];

/* On-chip buffers a DMA addresses (field buf). */
typedef enum an_isa_buf {
    AN_BUF_ACT = 0, /* activation buffer, int8, byte addressed */
    AN_BUF_WGT = 1, /* weight buffer, int8, byte addressed */
    AN_BUF_ACC = 2, /* accumulator buffer, int32 little-endian, byte addressed (x4 aligned) */
    AN_BUF_COUNT
} an_isa_buf;
extern const char *const AN_ISA_BUF_NAME[AN_BUF_COUNT];

/* Vector-unit operations (VEC field vop). Rows are accumulator rows of C
** int32 lanes unless said otherwise. */
typedef enum an_isa_vop {
    AN_VOP_ADD = 0,     /* acc[dst+i] += acc[src + (bcast ? 0 : i)], i < n (int32 wraps) */
    AN_VOP_REQUANT = 1, /* acc[dst+i][c] = MBQM(acc, acc[prm][c], acc[prm+1][c]) + zp,
                           clamped to [lo, hi] when clamp */
    AN_VOP_WIDEN = 2,   /* acc[dst+i][c] = (act[src + i*pitch + c] - zp) << shift */
    AN_VOP_WRITE = 3,   /* act[dst + i*pitch + c] = sat8(acc[src+i][c]) */
    AN_VOP_MAXPOOL = 4, /* windowed max over a gh x gw grid of rows (valid cells only);
                           with wr8 each cell is requantized first (as REQUANT wr8) and
                           window i's int8 result goes to act[dst + i*pitch + c] */
    AN_VOP_AVGPOOL = 5, /* windowed mean, rounded half away from zero (valid cells only);
                           wr8 as for MAXPOOL */
    AN_VOP_COUNT
} an_isa_vop;
extern const char *const AN_ISA_VOP_NAME[AN_VOP_COUNT];

/* Every field: X(OP, NAME, SHIFT, WIDTH, SIGNED). OP is ANY for the
** common header, otherwise the opcode (DMA = LOAD and STORE). */
#define AN_ISA_FIELDS(X)                                                                           \
    X(ANY, op, 0, 4, 0)                                                                            \
    X(ANY, dep, 4, 4, 0)                                                                           \
    /* LOAD / STORE: word 0 */                                                                     \
    X(DMA, buf, 8, 2, 0)                                                                           \
    X(DMA, pad_value, 10, 8, 1)                                                                    \
    X(DMA, sram, 18, 26, 0)                                                                        \
    X(DMA, pad_top, 44, 8, 0)                                                                      \
    X(DMA, pad_bottom, 52, 8, 0)                                                                   \
    /* word 1 */                                                                                   \
    X(DMA, dram, 64, 32, 0)                                                                        \
    X(DMA, dram_ystride, 96, 32, 0)                                                                \
    /* word 2 */                                                                                   \
    X(DMA, ysize, 128, 16, 0)                                                                      \
    X(DMA, xsize, 144, 16, 0)                                                                      \
    X(DMA, xbytes, 160, 16, 0)                                                                     \
    X(DMA, pitch, 176, 16, 0)                                                                      \
    /* word 3 */                                                                                   \
    X(DMA, dram_xstride, 192, 24, 0)                                                               \
    X(DMA, pad_left, 216, 8, 0)                                                                    \
    X(DMA, pad_right, 224, 8, 0)                                                                   \
    X(DMA, pad_tail, 232, 16, 0)                                                                   \
    /* PRELOAD */                                                                                  \
    X(PRELOAD, wgt, 8, 24, 0)                                                                      \
    /* GEMM: word 0 */                                                                             \
    X(GEMM, accumulate, 8, 1, 0)                                                                   \
    X(GEMM, acc, 9, 20, 0)                                                                         \
    X(GEMM, act, 29, 24, 0)                                                                        \
    X(GEMM, max, 53, 1, 0)                                                                         \
    /* word 1 */                                                                                   \
    X(GEMM, n_outer, 64, 16, 0)                                                                    \
    X(GEMM, n_inner, 80, 16, 0)                                                                    \
    X(GEMM, acc_outer, 96, 16, 0)                                                                  \
    X(GEMM, acc_inner, 112, 16, 0)                                                                 \
    /* word 2 */                                                                                   \
    X(GEMM, act_outer, 128, 24, 0)                                                                 \
    X(GEMM, act_inner, 152, 16, 0)                                                                 \
    /* VEC: word 0 */                                                                              \
    X(VEC, vop, 8, 4, 0)                                                                           \
    X(VEC, clamp, 12, 1, 0)                                                                        \
    X(VEC, bcast, 13, 1, 0)                                                                        \
    X(VEC, dst, 14, 26, 0)                                                                         \
    X(VEC, zp, 40, 8, 1)                                                                           \
    X(VEC, lo, 48, 8, 1)                                                                           \
    X(VEC, hi, 56, 8, 1)                                                                           \
    /* word 1 */                                                                                   \
    X(VEC, src, 64, 26, 0)                                                                         \
    X(VEC, n, 90, 16, 0)                                                                           \
    X(VEC, shift, 106, 5, 0)                                                                       \
    X(VEC, oh, 111, 12, 0)                                                                         \
    X(VEC, bias, 123, 1, 0)                                                                        \
    X(VEC, wr8, 124, 1, 0)                                                                         \
    X(VEC, beside, 125, 1, 0)                                                                      \
    X(VEC, nodrain, 126, 1, 0)                                                                     \
    /* word 2 */                                                                                   \
    X(VEC, prm, 128, 20, 0)                                                                        \
    X(VEC, vpitch, 148, 16, 0)                                                                     \
    X(VEC, kh, 164, 8, 0)                                                                          \
    X(VEC, kw, 172, 8, 0)                                                                          \
    X(VEC, sh, 180, 8, 0)                                                                          \
    /* word 3 */                                                                                   \
    X(VEC, sw, 192, 8, 0)                                                                          \
    X(VEC, gh, 200, 12, 0)                                                                         \
    X(VEC, gw, 212, 12, 0)                                                                         \
    X(VEC, oy, 224, 8, 1)                                                                          \
    X(VEC, ox, 232, 8, 1)                                                                          \
    X(VEC, ow, 240, 12, 0)                                                                         \
    /* HOST */                                                                                     \
    X(HOST, host, 8, 16, 0)

/* Shift and width constants: AN_ISA_<OP>_<NAME>_SHIFT / _WIDTH. */
#define AN_ISA_X_ENUM(OP, NAME, SHIFT, WIDTH, SIGNED)                                              \
    AN_ISA_##OP##_##NAME##_SHIFT = SHIFT, AN_ISA_##OP##_##NAME##_WIDTH = WIDTH,
enum { AN_ISA_FIELDS(AN_ISA_X_ENUM) AN_ISA_FIELD_ENUM_END };
#undef AN_ISA_X_ENUM

/* The largest value an unsigned / a signed field NAME of OP holds: the
** limits the compiler tiles to, from the field table. */
#define AN_ISA_UMAX(OP, NAME) ((INT64_C(1) << AN_ISA_##OP##_##NAME##_WIDTH) - 1)
#define AN_ISA_SMAX(OP, NAME) ((INT64_C(1) << (AN_ISA_##OP##_##NAME##_WIDTH - 1)) - 1)

/* The encoded instruction: 4 words, word 0 first in a file (each word
** little-endian on disk). */
typedef struct an_insn {
    uint64_t w[AN_ISA_WORDS];
} an_insn;

/* Field value (width <= 32, inside one word): explicit shift and mask. */
static inline uint64_t an_isa_get(const an_insn *in, unsigned shift, unsigned width) {
    return (in->w[shift >> 6] >> (shift & 63)) & ((UINT64_C(1) << width) - 1);
}
static inline void an_isa_set(an_insn *in, unsigned shift, unsigned width, uint64_t v) {
    const uint64_t mask = ((UINT64_C(1) << width) - 1) << (shift & 63);
    in->w[shift >> 6] = (in->w[shift >> 6] & ~mask) | ((v << (shift & 63)) & mask);
}

/* Decoded instruction: one member per field name of AN_ISA_FIELDS (fields
** of other opcodes are 0). Signed fields are sign-extended. */
typedef struct an_isa_insn {
#define AN_ISA_X_MEMBER(OP, NAME, SHIFT, WIDTH, SIGNED) int64_t NAME;
    AN_ISA_FIELDS(AN_ISA_X_MEMBER)
#undef AN_ISA_X_MEMBER
} an_isa_insn;

/* One row of the field table. */
typedef struct an_isa_field {
    const char *op; /* "ANY", "DMA", "GEMM", ... */
    const char *name;
    unsigned shift, width;
    int is_signed;
    size_t offset; /* offsetof(an_isa_insn, name) */
    unsigned ops;  /* the opcodes it belongs to, bit op */
} an_isa_field;

extern const an_isa_field AN_ISA_FIELD_TABLE[];
extern const int AN_ISA_FIELD_COUNT;

/* Whether field f belongs to opcode op. */
int an_isa_field_of(const an_isa_field *f, int op);

/* Pack d into out. Fails (AN_ERR_RANGE, naming the field and value) when a
** value does not fit its field or the opcode is unknown. */
an_status an_isa_encode(const an_isa_insn *d, an_insn *out);

/* Unpack: fails (AN_ERR_FORMAT) on an unknown opcode or set bits outside
** the opcode's fields. */
an_status an_isa_decode(const an_insn *in, an_isa_insn *d);

/* The queue an instruction runs on. */
an_isa_queue an_isa_queue_of(const an_isa_insn *d);

/* The queue an encoded instruction runs on (an_isa_queue_of of its
** decoded form), from its opcode and buf fields alone. */
static inline an_isa_queue an_insn_queue(const an_insn *in) {
    const uint64_t op = an_isa_get(in, AN_ISA_ANY_op_SHIFT, AN_ISA_ANY_op_WIDTH);
    if (op == AN_ISA_LOAD)
        return an_isa_get(in, AN_ISA_DMA_buf_SHIFT, AN_ISA_DMA_buf_WIDTH) == AN_BUF_ACC
                   ? AN_QUEUE_COMPUTE
                   : AN_QUEUE_LOAD;
    return op == AN_ISA_STORE ? AN_QUEUE_STORE : AN_QUEUE_COMPUTE;
}

/* The opcode of an encoded instruction. */
static inline int an_insn_op(const an_insn *in) {
    return (int)an_isa_get(in, AN_ISA_ANY_op_SHIFT, AN_ISA_ANY_op_WIDTH);
}

/* One line of assembly ("GEMM acc=0 act=16 ..." with the opcode's nonzero
** fields, tokens as "[pop:prev push:next]") into buf. */
const char *an_isa_format(const an_isa_insn *d, char *buf, size_t n);

/* Serialise 4 words little-endian / back. */
void an_isa_to_bytes(const an_insn *in, uint8_t out[AN_ISA_BYTES]);
void an_isa_from_bytes(const uint8_t in[AN_ISA_BYTES], an_insn *out);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_ISA_H */
