/*
** The dry run that proves an executable safe before it runs: the program
** goes through the scheduler exactly as it will execute, and every byte
** each instruction reads or writes is checked, without computing values:
**
** - no read of memory nothing has written (DRAM starts with the weights and
**   the input; the buffers and the array start empty);
** - no race between queues: every pair of conflicting accesses from two
**   queues (write/write, write/read) is ordered by dependency tokens. Each
**   instruction carries a vector clock (how many instructions of each queue
**   are known to have completed when it starts: its queue's order plus the
**   clocks of the tokens it popped); each memory granule remembers its last
**   writer and its last reader per queue. Ordered accesses are equal in
**   every legal execution order, so the executor's one order is the
**   hardware's result;
** - no deadlock and no token left over (the scheduler);
** - the whole output tensor is written.
*/
#include "asicnn/arch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vclock {
    uint32_t v[AN_QUEUE_COUNT];
} vclock;

typedef struct gran {
    uint32_t w_seq1, w_idx; /* writer: its queue sequence + 1 (0 = none), index */
    uint32_t r_seq1[AN_QUEUE_COUNT], r_idx[AN_QUEUE_COUNT];
    uint8_t wq;
} gran;

typedef struct shadow {
    int64_t size, g; /* bytes, granule bytes */
    uint8_t *init;   /* [size / 8] bit per byte: written */
    gran *gr;        /* [size / g] */
} shadow;

typedef struct checker {
    const an_npu_exe *x;
    const an_insn *prog; /* x->insns */
    shadow sp[NPU_SPACE_COUNT];
    vclock cur[AN_QUEUE_COUNT];
    vclock *fifo[4]; /* [token_depth] */
    int64_t fhead[4], flen[4];
    uint32_t seq[AN_QUEUE_COUNT];
    /* the instruction being checked */
    an_isa_queue q;
    int64_t idx;
    vclock vc;
} checker;

static an_status bad(const checker *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static an_status bad(const checker *k, const char *fmt, ...) {
    char insn[200], msg[200];
    an_isa_insn d;
    if (an_isa_decode(&k->prog[k->idx], &d)) memset(&d, 0, sizeof d); /* it decoded before */
    an_isa_format(&d, insn, sizeof insn);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return an_fail(AN_ERR_FORMAT, "%s: instruction %lld (%s queue: %s): %s", k->x->source,
                   (long long)k->idx, AN_ISA_QUEUE_NAME[k->q], insn, msg);
}

/* Bits [lo, hi) of a bitmap set; whole bytes at a time in the middle. */
static void set_bits(uint8_t *bm, int64_t lo, int64_t hi) {
    for (; lo < hi && (lo & 7); lo++) bm[lo >> 3] |= (uint8_t)(1u << (lo & 7));
    if (hi - lo >= 8) {
        memset(bm + (lo >> 3), 0xff, (size_t)((hi - lo) >> 3));
        lo += (hi - lo) & ~INT64_C(7);
    }
    for (; lo < hi; lo++) bm[lo >> 3] |= (uint8_t)(1u << (lo & 7));
}

/* The first clear bit in [lo, hi), or hi. */
static int64_t first_clear(const uint8_t *bm, int64_t lo, int64_t hi) {
    while (lo < hi) {
        if (!(lo & 7) && hi - lo >= 8 && bm[lo >> 3] == 0xff) {
            lo += 8;
            continue;
        }
        if (!(bm[lo >> 3] & (1u << (lo & 7)))) return lo;
        lo++;
    }
    return hi;
}

/* Bytes [lo, hi) of space read (write = 0) or written by the current one. */
static an_status access(checker *k, int space, int64_t lo, int64_t hi, int write) {
    shadow *sh = &k->sp[space];
    if (lo < 0 || hi > sh->size) /* npu_insn_check makes this unreachable */
        return bad(k, "%s %s bytes [%lld, %lld) outside memory", write ? "writes" : "reads",
                   NPU_SPACE_NAME[space], (long long)lo, (long long)hi);
    if (write) {
        set_bits(sh->init, lo, hi);
    } else {
        const int64_t b = first_clear(sh->init, lo, hi);
        if (b < hi)
            return bad(k, "reads uninitialised %s byte %lld (nothing wrote it before)",
                       NPU_SPACE_NAME[space], (long long)b);
    }
    const int q = k->q;
    for (int64_t g = lo / sh->g; g <= (hi - 1) / sh->g; g++) {
        gran *e = &sh->gr[g];
        if (e->w_seq1 && e->wq != q && k->vc.v[e->wq] < e->w_seq1)
            return bad(k, "%s %s byte %lld races with instruction %lld: no token orders them",
                       write ? "writes" : "reads", NPU_SPACE_NAME[space], (long long)(g * sh->g),
                       (long long)e->w_idx);
        if (write) {
            for (int p = 0; p < AN_QUEUE_COUNT; p++)
                if (p != q && e->r_seq1[p] && k->vc.v[p] < e->r_seq1[p])
                    return bad(k,
                               "overwrites %s byte %lld before instruction %lld has read it: no "
                               "token orders them",
                               NPU_SPACE_NAME[space], (long long)(g * sh->g),
                               (long long)e->r_idx[p]);
            memset(e, 0, sizeof *e);
            e->w_seq1 = k->seq[q] + 1;
            e->w_idx = (uint32_t)k->idx;
            e->wq = (uint8_t)q;
        } else {
            e->r_seq1[q] = k->seq[q] + 1;
            e->r_idx[q] = (uint32_t)k->idx;
        }
    }
    return AN_OK;
}

typedef struct dma_check {
    checker *k;
    int space, store;
} dma_check;

static int dma_elem(void *p, int64_t sram, int64_t dram, int64_t n) {
    dma_check *c = p;
    if (dram < 0) /* padding: a LOAD writes it, a STORE moves data elements only */
        return c->store ? 0 : access(c->k, c->space, sram, sram + n, 1);
    if (c->store)
        return access(c->k, c->space, sram, sram + n, 0) ||
               access(c->k, NPU_DRAM, dram, dram + n, 1);
    return access(c->k, NPU_DRAM, dram, dram + n, 0) || access(c->k, c->space, sram, sram + n, 1);
}

static an_status rows(checker *k, int space, int64_t first, int64_t count, int64_t bytes,
                      int write) {
    return count ? access(k, space, first * bytes, (first + count) * bytes, write) : AN_OK;
}

/* Rows first, first + step, ... (n of them) of bytes each: one access for
** consecutive rows, one for a row repeated (reading or writing a row again
** in the same instruction changes nothing), else one a row. */
static an_status row_run(checker *k, int space, int64_t first, int64_t step, int64_t n,
                         int64_t bytes, int write) {
    if (n <= 0) return AN_OK;
    if (step == 1 || step == 0) return rows(k, space, first, step ? n : 1, bytes, write);
    an_status s = AN_OK;
    for (int64_t i = 0; i < n && !s; i++) s = rows(k, space, first + i * step, 1, bytes, write);
    return s;
}

static an_status check_accesses(checker *k, const an_isa_insn *d) {
    const an_npu_config *c = &k->x->cfg;
    const int64_t R = c->rows, C = c->cols, AR = 4 * C;
    an_status s = AN_OK;
    static const int BUF_SPACE[AN_BUF_COUNT] = {NPU_ACT, NPU_WGT, NPU_ACC};
    switch (d->op) {
    case AN_ISA_LOAD:
    case AN_ISA_STORE: {
        dma_check dc = {k, BUF_SPACE[d->buf], d->op == AN_ISA_STORE};
        if (npu_dma_walk(d, dma_elem, &dc)) s = AN_ERR_FORMAT;
        break;
    }
    case AN_ISA_PRELOAD:
        if (!(s = rows(k, NPU_WGT, d->wgt, R, C, 0))) s = access(k, NPU_ARRAY, 0, 1, 1);
        break;
    case AN_ISA_GEMM:
        /* per outer step, its rows' reads, then its accumulator writes: the
           same checks and the same final state as row by row (a row is a
           granule; a row read again after this instruction wrote it passes
           as it did the first time), in a call per run of rows */
        if (d->n_outer && d->n_inner) s = access(k, NPU_ARRAY, 0, 1, 0);
        for (int64_t o = 0; o < d->n_outer && !s; o++) {
            s = row_run(k, NPU_ACT, npu_gemm_act(d, o, 0), d->act_inner, d->n_inner, R, 0);
            if (!s && d->accumulate)
                s = row_run(k, NPU_ACC, npu_gemm_acc(d, o, 0), d->acc_inner, d->n_inner, AR, 0);
            if (!s) s = row_run(k, NPU_ACC, npu_gemm_acc(d, o, 0), d->acc_inner, d->n_inner, AR, 1);
        }
        break;
    case AN_ISA_VEC:
        switch (d->vop) {
        case AN_VOP_ADD:
            for (int64_t i = 0; i < d->n && !s; i++)
                if (!(s = rows(k, NPU_ACC, d->src + (d->bcast ? 0 : i), 1, AR, 0)) &&
                    !(s = rows(k, NPU_ACC, d->dst + i, 1, AR, 0)))
                    s = rows(k, NPU_ACC, d->dst + i, 1, AR, 1);
            break;
        case AN_VOP_REQUANT:
            if (d->n) s = rows(k, NPU_ACC, d->prm, 2 + d->bias, AR, 0);
            if (d->wr8) {
                for (int64_t i = 0; i < d->n && !s; i++)
                    if (!(s = rows(k, NPU_ACC, d->src + i, 1, AR, 0)))
                        s = access(k, NPU_ACT, d->dst + i * d->vpitch, d->dst + i * d->vpitch + C,
                                   1);
            } else if (!s && !(s = rows(k, NPU_ACC, d->dst, d->n, AR, 0))) {
                s = rows(k, NPU_ACC, d->dst, d->n, AR, 1);
            }
            break;
        case AN_VOP_WIDEN:
            for (int64_t i = 0; i < d->n && !s; i++)
                if (!(s = access(k, NPU_ACT, d->src + i * d->vpitch, d->src + i * d->vpitch + C,
                                 0)))
                    s = rows(k, NPU_ACC, d->dst + i, 1, AR, 1);
            break;
        case AN_VOP_WRITE:
            for (int64_t i = 0; i < d->n && !s; i++)
                if (!(s = rows(k, NPU_ACC, d->src + i, 1, AR, 0)))
                    s = access(k, NPU_ACT, d->dst + i * d->vpitch, d->dst + i * d->vpitch + C, 1);
            break;
        default: /* pools: with wr8 each window's int8 result to act */
            if (d->wr8 && d->oh && d->ow && d->kh && d->kw)
                s = rows(k, NPU_ACC, d->prm, 2 + d->bias, AR, 0);
            for (int64_t y = 0; y < d->oh && !s; y++)
                for (int64_t x = 0; x < d->ow && !s; x++) {
                    for (int64_t ky = 0; ky < d->kh && !s; ky++)
                        for (int64_t kx = 0; kx < d->kw && !s; kx++) {
                            const int64_t cell = npu_pool_cell(d, y, x, ky, kx);
                            if (cell >= 0) s = rows(k, NPU_ACC, d->src + cell, 1, AR, 0);
                        }
                    const int64_t at = d->dst + (y * d->ow + x) * d->vpitch;
                    if (!s && d->wr8) s = access(k, NPU_ACT, at, at + C, 1);
                    if (!s && !d->wr8) s = rows(k, NPU_ACC, d->dst + y * d->ow + x, 1, AR, 1);
                }
            break;
        }
        break;
    case AN_ISA_HOST: {
        npu_range r[NPU_MAX_RANGES];
        const int n = npu_footprint(d, c, k->x, r);
        for (int i = 0; i < n && !s; i++) /* reads first: the ranges list them first */
            s = access(k, r[i].space, r[i].lo, r[i].hi, r[i].write);
        break;
    }
    default:
        break;
    }
    return s;
}

static an_status check_step(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d) {
    checker *k = ctx;
    const int64_t depth = k->x->cfg.token_depth;
    k->q = q;
    k->idx = index;
    k->vc = k->cur[q];
    for (int i = 0; i < 2; i++) {
        if (!(d->dep & NPU_DEP_POPS[i])) continue;
        const int ch = npu_token_channel(q, NPU_DEP_POPS[i]);
        const vclock t = k->fifo[ch][k->fhead[ch]];
        k->fhead[ch] = (k->fhead[ch] + 1) % depth;
        k->flen[ch]--;
        for (int p = 0; p < AN_QUEUE_COUNT; p++)
            if (t.v[p] > k->vc.v[p]) k->vc.v[p] = t.v[p];
    }
    an_status s = check_accesses(k, d);
    if (s) return s;
    k->seq[q]++;
    k->vc.v[q] = k->seq[q];
    k->cur[q] = k->vc;
    for (int i = 0; i < 2; i++) {
        if (!(d->dep & NPU_DEP_PUSHES[i])) continue;
        const int ch = npu_token_channel(q, NPU_DEP_PUSHES[i]);
        k->fifo[ch][(k->fhead[ch] + k->flen[ch]) % depth] = k->vc;
        k->flen[ch]++;
    }
    return AN_OK;
}

an_status npu_dry_run(const an_npu_exe *x) {
    const an_insn *prog = x->insns;
    checker *k = calloc(1, sizeof *k);
    if (!k) return an_fail(AN_ERR_NOMEM, "out of memory");
    k->x = x;
    k->prog = prog;
    const an_npu_config *c = &x->cfg;
    const int64_t gsize[NPU_SPACE_COUNT] = {64, c->rows, c->cols, 4 * (int64_t)c->cols, 1};
    an_status s = AN_OK;
    for (int sp = 0; sp < NPU_SPACE_COUNT && !s; sp++) {
        shadow *h = &k->sp[sp];
        h->size = npu_space_size(c, x->dram_size, sp);
        h->g = gsize[sp];
        h->init = calloc((size_t)(h->size / 8 + 1), 1);
        h->gr = calloc((size_t)(h->size / h->g + 1), sizeof *h->gr);
        if (!h->init || !h->gr)
            s = an_fail(AN_ERR_NOMEM, "%s: out of memory for the dry run", x->source);
    }
    for (int ch = 0; ch < 4 && !s; ch++)
        if (!(k->fifo[ch] = calloc((size_t)c->token_depth, sizeof(vclock))))
            s = an_fail(AN_ERR_NOMEM, "%s: out of memory for the dry run", x->source);
    if (!s) { /* the host wrote the weights and the input before the start */
        uint8_t *init = k->sp[NPU_DRAM].init;
        const an_tensor *in = &x->input;
        const int64_t in_end = in->dram + (int64_t)x->batch * npu_input_bytes(x);
        set_bits(init, 0, x->data_size);
        set_bits(init, in->dram, in_end);
    }
    for (int64_t i = 0; i < x->n_insns && !s; i++) {
        if (an_insn_op(&prog[i]) != AN_ISA_VEC) continue;
        /* (the rules of src/arch/beside.c) */
        const int beside =
            (int)an_isa_get(&prog[i], AN_ISA_VEC_beside_SHIFT, AN_ISA_VEC_beside_WIDTH);
        const int nodrain =
            (int)an_isa_get(&prog[i], AN_ISA_VEC_nodrain_SHIFT, AN_ISA_VEC_nodrain_WIDTH);
        int64_t j = beside ? npu_beside_conflict(prog, x->n_insns, i, c, x) : -1;
        const char *field = "beside", *when = "may run while it does";
        if (j < 0 && nodrain) {
            j = npu_nodrain_conflict(prog, x->n_insns, i, c, x);
            field = "nodrain", when = "may still drain when it starts";
        }
        if (j >= 0)
            s = an_fail(
                AN_ERR_FORMAT,
                "%s: instruction %lld (VEC %s): field %s: instruction %lld (%s), which %s, "
                "touches the rows it reads or writes; clear %s or give them other rows",
                x->source, (long long)i,
                AN_ISA_VOP_NAME[an_isa_get(&prog[i], AN_ISA_VEC_vop_SHIFT, AN_ISA_VEC_vop_WIDTH)],
                field, (long long)j, AN_ISA_OP_NAME[an_insn_op(&prog[j])], when, field);
    }
    if (!s) s = npu_schedule(prog, x->n_insns, c, x->source, check_step, k);
    if (!s) {
        const an_tensor *o = &x->output;
        const int64_t end = o->dram + (int64_t)x->batch * o->h * o->w * o->c;
        const int64_t b = first_clear(k->sp[NPU_DRAM].init, o->dram, end);
        if (b < end)
            s = an_fail(AN_ERR_FORMAT, "%s: output tensor byte %lld (DRAM %lld) is never written",
                        x->source, (long long)(b - o->dram), (long long)b);
    }
    for (int sp = 0; sp < NPU_SPACE_COUNT; sp++) {
        free(k->sp[sp].init);
        free(k->sp[sp].gr);
    }
    for (int ch = 0; ch < 4; ch++) free(k->fifo[ch]);
    free(k);
    return s;
}
