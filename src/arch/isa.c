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

an_status an_isa_encode(const an_isa_insn *d, an_insn *out) {
    memset(out, 0, sizeof *out);
    if (d->op < 0 || d->op >= AN_ISA_OP_COUNT)
        return an_fail(AN_ERR_RANGE, "instruction: field op = %lld is not an opcode",
                       (long long)d->op);
    for (int i = 0; i < AN_ISA_FIELD_COUNT; i++) {
        const an_isa_field *f = &AN_ISA_FIELD_TABLE[i];
        if (!an_isa_field_of(f, (int)d->op)) continue;
        const int64_t v = *member((an_isa_insn *)d, f);
        const int64_t lo = f->is_signed ? -(INT64_C(1) << (f->width - 1)) : 0;
        const int64_t hi =
            f->is_signed ? (INT64_C(1) << (f->width - 1)) - 1 : (INT64_C(1) << f->width) - 1;
        if (v < lo || v > hi)
            return an_fail(AN_ERR_RANGE, "%s: field %s = %lld does not fit %u bits%s",
                           AN_ISA_OP_NAME[d->op], f->name, (long long)v, f->width,
                           f->is_signed ? " (signed)" : "");
        an_isa_set(out, f->shift, f->width, (uint64_t)v);
    }
    return AN_OK;
}

an_status an_isa_decode(const an_insn *in, an_isa_insn *d) {
    memset(d, 0, sizeof *d);
    const int op = (int)an_isa_get(in, 0, 4);
    if (op >= AN_ISA_OP_COUNT) return an_fail(AN_ERR_FORMAT, "field op = %d is not an opcode", op);
    an_insn used = {{0}};
    for (int i = 0; i < AN_ISA_FIELD_COUNT; i++) {
        const an_isa_field *f = &AN_ISA_FIELD_TABLE[i];
        if (!an_isa_field_of(f, op)) continue;
        uint64_t v = an_isa_get(in, f->shift, f->width);
        an_isa_set(&used, f->shift, f->width, ~UINT64_C(0));
        int64_t s = (int64_t)v;
        if (f->is_signed && (v >> (f->width - 1)) & 1) s = (int64_t)v - (INT64_C(1) << f->width);
        *member(d, f) = s;
    }
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
