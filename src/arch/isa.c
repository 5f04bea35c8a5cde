/*
** The instruction set's tables and its encoder, decoder and one-line
** formatter, all driven by AN_ISA_FIELDS (include/asicnn/isa.h), so that a
** field is described in exactly one place.
*/
#include "asicnn/isa.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *const AN_ISA_OP_NAME[AN_ISA_OP_COUNT] = {"LOAD", "STORE",   "GEMM", "FINISH",
                                                     "VEC",  "PRELOAD", "SYNC", "HOST"};
const char *const AN_ISA_QUEUE_NAME[AN_QUEUE_COUNT] = {"load", "compute", "store"};
const char *const AN_ISA_BUF_NAME[AN_BUF_COUNT] = {"act", "wgt", "acc"};
const char *const AN_ISA_VOP_NAME[AN_VOP_COUNT] = {"add",   "requant", "widen",
                                                   "write", "maxpool", "avgpool"};

/* The opcodes of each OP column of AN_ISA_FIELDS, as bits. */
#define OPS_ANY     ((1u << AN_ISA_OP_COUNT) - 1)
#define OPS_DMA     ((1u << AN_ISA_LOAD) | (1u << AN_ISA_STORE))
#define OPS_GEMM    (1u << AN_ISA_GEMM)
#define OPS_VEC     (1u << AN_ISA_VEC)
#define OPS_PRELOAD (1u << AN_ISA_PRELOAD)
#define OPS_HOST    (1u << AN_ISA_HOST)

const an_isa_field AN_ISA_FIELD_TABLE[] = {
#define AN_ISA_X_ROW(OP, NAME, SHIFT, WIDTH, SIGNED)                                               \
    {#OP, #NAME, SHIFT, WIDTH, SIGNED, offsetof(an_isa_insn, NAME), OPS_##OP},
    AN_ISA_FIELDS(AN_ISA_X_ROW)
#undef AN_ISA_X_ROW
};
const int AN_ISA_FIELD_COUNT = (int)(sizeof AN_ISA_FIELD_TABLE / sizeof AN_ISA_FIELD_TABLE[0]);

int an_isa_field_of(const an_isa_field *f, int op) {
    return op >= 0 && op < AN_ISA_OP_COUNT && (f->ops >> op & 1u);
}

static int64_t *member(an_isa_insn *d, const an_isa_field *f) {
    return (int64_t *)((char *)d + f->offset);
}

/* The fields of the opcodes in ob (a bit per opcode; a constant where it
** is inlined, so that each opcode's copy holds only its own fields, in
** table order) packed into out; NULL, or the table row of the first field
** whose value does not fit ... */
__attribute__((always_inline)) static inline const an_isa_field *
encode_op(const an_isa_insn *d, an_insn *out, const unsigned ob) {
    int i = 0;
#define AN_ISA_X_ENC(OP, NAME, SHIFT, WIDTH, SIGNED)                                               \
    if (OPS_##OP & ob) {                                                                           \
        const int64_t v = d->NAME;                                                                 \
        const int64_t lo = (SIGNED) ? -(INT64_C(1) << ((WIDTH)-1)) : 0;                            \
        const int64_t hi =                                                                         \
            (SIGNED) ? (INT64_C(1) << ((WIDTH)-1)) - 1 : (INT64_C(1) << (WIDTH)) - 1;              \
        if (v < lo || v > hi) return &AN_ISA_FIELD_TABLE[i];                                       \
        an_isa_set(out, SHIFT, WIDTH, (uint64_t)v);                                                \
    }                                                                                              \
    i++;
    AN_ISA_FIELDS(AN_ISA_X_ENC)
#undef AN_ISA_X_ENC
    (void)i;
    return NULL;
}

/* ... and unpacked from in into d (zeroed before), setting in *used the
** bits they cover. */
__attribute__((always_inline)) static inline void decode_op(const an_insn *in, an_isa_insn *d,
                                                            an_insn *used, const unsigned ob) {
#define AN_ISA_X_DEC(OP, NAME, SHIFT, WIDTH, SIGNED)                                               \
    if (OPS_##OP & ob) {                                                                           \
        const uint64_t v = an_isa_get(in, SHIFT, WIDTH);                                           \
        d->NAME = (SIGNED) && (v >> ((WIDTH)-1) & 1) ? (int64_t)v - (INT64_C(1) << (WIDTH))        \
                                                     : (int64_t)v;                                 \
        used->w[(SHIFT) >> 6] |= ((UINT64_C(1) << (WIDTH)) - 1) << ((SHIFT)&63);                   \
    }
    AN_ISA_FIELDS(AN_ISA_X_DEC)
#undef AN_ISA_X_DEC
}

/* One case per opcode, each with its own copy of FN. */
#define AN_ISA_EACH_OP(FN, ...)                                                                    \
    switch (op) {                                                                                  \
    case AN_ISA_LOAD:                                                                              \
        FN(__VA_ARGS__, 1u << AN_ISA_LOAD);                                                        \
        break;                                                                                     \
    case AN_ISA_STORE:                                                                             \
        FN(__VA_ARGS__, 1u << AN_ISA_STORE);                                                       \
        break;                                                                                     \
    case AN_ISA_GEMM:                                                                              \
        FN(__VA_ARGS__, 1u << AN_ISA_GEMM);                                                        \
        break;                                                                                     \
    case AN_ISA_FINISH:                                                                            \
        FN(__VA_ARGS__, 1u << AN_ISA_FINISH);                                                      \
        break;                                                                                     \
    case AN_ISA_VEC:                                                                               \
        FN(__VA_ARGS__, 1u << AN_ISA_VEC);                                                         \
        break;                                                                                     \
    case AN_ISA_PRELOAD:                                                                           \
        FN(__VA_ARGS__, 1u << AN_ISA_PRELOAD);                                                     \
        break;                                                                                     \
    case AN_ISA_SYNC:                                                                              \
        FN(__VA_ARGS__, 1u << AN_ISA_SYNC);                                                        \
        break;                                                                                     \
    default:                                                                                       \
        FN(__VA_ARGS__, 1u << AN_ISA_HOST);                                                        \
        break;                                                                                     \
    }

an_status an_isa_encode(const an_isa_insn *d, an_insn *out) {
    memset(out, 0, sizeof *out);
    if (d->op < 0 || d->op >= AN_ISA_OP_COUNT)
        return an_fail(AN_ERR_RANGE, "instruction: field op = %lld is not an opcode",
                       (long long)d->op);
    const int op = (int)d->op;
    const an_isa_field *f = NULL;
#define AN_ISA_ENC(d_, out_, ob) f = encode_op(d_, out_, ob)
    AN_ISA_EACH_OP(AN_ISA_ENC, d, out)
#undef AN_ISA_ENC
    if (f)
        return an_fail(AN_ERR_RANGE, "%s: field %s = %lld does not fit %u bits%s",
                       AN_ISA_OP_NAME[d->op], f->name, (long long)*member((an_isa_insn *)d, f),
                       f->width, f->is_signed ? " (signed)" : "");
    return AN_OK;
}

an_status an_isa_decode(const an_insn *in, an_isa_insn *d) {
    memset(d, 0, sizeof *d);
    const int op = (int)an_isa_get(in, 0, 4);
    if (op >= AN_ISA_OP_COUNT) return an_fail(AN_ERR_FORMAT, "field op = %d is not an opcode", op);
    an_insn used = {{0}};
    AN_ISA_EACH_OP(decode_op, in, d, &used)
    for (int w = 0; w < AN_ISA_WORDS; w++)
        if (in->w[w] & ~used.w[w])
            return an_fail(AN_ERR_FORMAT, "%s: reserved bits set in word %d (0x%016llx)",
                           AN_ISA_OP_NAME[op], w, (unsigned long long)(in->w[w] & ~used.w[w]));
    return AN_OK;
}

an_isa_queue an_isa_queue_of(const an_isa_insn *d) {
    if (d->op == AN_ISA_LOAD) return d->buf == AN_BUF_ACC ? AN_QUEUE_COMPUTE : AN_QUEUE_LOAD;
    if (d->op == AN_ISA_STORE) return AN_QUEUE_STORE;
    return AN_QUEUE_COMPUTE;
}

const char *an_isa_format(const an_isa_insn *d, char *buf, size_t n) {
    size_t at = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(buf + at, at < n ? n - at : 0, __VA_ARGS__);                             \
        if (k_ > 0) at += (size_t)k_;                                                              \
    } while (0)
    if (n) buf[0] = 0;
    if (d->op < 0 || d->op >= AN_ISA_OP_COUNT) {
        PUT("?op%lld", (long long)d->op);
        return buf;
    }
    PUT("%-7s", AN_ISA_OP_NAME[d->op]);
    if (d->op == AN_ISA_VEC && d->vop >= 0 && d->vop < AN_VOP_COUNT)
        PUT(" %-7s", AN_ISA_VOP_NAME[d->vop]);
    if (d->op == AN_ISA_LOAD || d->op == AN_ISA_STORE)
        PUT(" %s", d->buf >= 0 && d->buf < AN_BUF_COUNT ? AN_ISA_BUF_NAME[d->buf] : "?");
    for (int i = 0; i < AN_ISA_FIELD_COUNT; i++) {
        const an_isa_field *f = &AN_ISA_FIELD_TABLE[i];
        if (!an_isa_field_of(f, (int)d->op) || strcmp(f->op, "ANY") == 0) continue;
        if (strcmp(f->name, "vop") == 0 || strcmp(f->name, "buf") == 0) continue;
        const int64_t v = *member((an_isa_insn *)d, f);
        if (v) PUT(" %s=%lld", f->name, (long long)v);
    }
    if (d->dep) {
        PUT(" [");
        const char *sep = "";
        static const char *const names[4] = {"pop:prev", "pop:next", "push:prev", "push:next"};
        for (int b = 0; b < 4; b++)
            if (d->dep & (1 << b)) {
                PUT("%s%s", sep, names[b]);
                sep = " ";
            }
        PUT("]");
    }
#undef PUT
    return buf;
}

void an_isa_to_bytes(const an_insn *in, uint8_t out[AN_ISA_BYTES]) {
    for (int w = 0; w < AN_ISA_WORDS; w++) an_le_put(out + w * 8, in->w[w], 8);
}

void an_isa_from_bytes(const uint8_t in[AN_ISA_BYTES], an_insn *out) {
    for (int w = 0; w < AN_ISA_WORDS; w++) out->w[w] = an_le_get(in + w * 8, 8);
}
