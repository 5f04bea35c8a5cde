/*
** What each instruction touches: the DMA element walk, the static check of
** one instruction against the chip (every field, every address range), and
** bounding byte ranges for the compiler's dependency pass. The executor and
** the dry-run checker take their addresses from here and from the inline
** helpers in npu_internal.h, so the three can never disagree.
*/
#include "asicnn/arch.h"

const char *const NPU_SPACE_NAME[NPU_SPACE_COUNT] = {"dram", "act", "wgt", "acc", "array"};

int npu_dma_walk(const an_isa_insn *d, npu_dma_fn fn, void *ctx) {
    const int64_t gh = d->pad_top + d->ysize + d->pad_bottom;
    const int64_t gw = d->pad_left + d->xsize + d->pad_right;
    int64_t at = d->sram;
    int r;
    for (int64_t gy = 0; gy < gh; gy++) {
        const int64_t y = gy - d->pad_top;
        for (int64_t gx = 0; gx < gw; gx++, at += d->pitch) {
            const int64_t x = gx - d->pad_left;
            if (y >= 0 && y < d->ysize && x >= 0 && x < d->xsize) {
                const int64_t src = d->dram + y * d->dram_ystride + x * d->dram_xstride;
                if (d->xbytes && (r = fn(ctx, at, src, d->xbytes))) return r;
                if (d->pitch > d->xbytes && (r = fn(ctx, at + d->xbytes, -1, d->pitch - d->xbytes)))
                    return r;
            } else if (d->pitch && (r = fn(ctx, at, -1, d->pitch))) {
                return r;
            }
        }
    }
    if (d->pad_tail && (r = fn(ctx, at, -1, d->pad_tail))) return r;
    return 0;
}

int64_t npu_dma_sram_end(const an_isa_insn *d) {
    const int64_t gh = d->pad_top + d->ysize + d->pad_bottom;
    const int64_t gw = d->pad_left + d->xsize + d->pad_right;
    return d->sram + gh * gw * d->pitch + d->pad_tail;
}

int64_t npu_dma_dram_end(const an_isa_insn *d) {
    if (!d->ysize || !d->xsize || !d->xbytes) return d->dram;
    return d->dram + (d->ysize - 1) * d->dram_ystride + (d->xsize - 1) * d->dram_xstride +
           d->xbytes;
}

int64_t npu_space_size(const an_npu_config *c, int64_t dram_size, int space) {
    switch (space) {
    case NPU_DRAM:
        return dram_size;
    case NPU_ACT:
        return c->act_bytes;
    case NPU_WGT:
        return c->wgt_bytes;
    case NPU_ACC:
        return c->acc_bytes;
    default:
        return 1;
    }
}

static const int BUF_SPACE[AN_BUF_COUNT] = {NPU_ACT, NPU_WGT, NPU_ACC};

const char *const NPU_CHANNEL_NAME[4] = {"load->compute", "compute->load", "compute->store",
                                         "store->compute"};
const unsigned NPU_DEP_POPS[2] = {AN_DEP_POP_PREV, AN_DEP_POP_NEXT};
const unsigned NPU_DEP_PUSHES[2] = {AN_DEP_PUSH_PREV, AN_DEP_PUSH_NEXT};

int npu_token_channel(an_isa_queue q, unsigned bit) {
    switch (q) {
    case AN_QUEUE_LOAD:
        return bit == AN_DEP_POP_NEXT ? 1 : bit == AN_DEP_PUSH_NEXT ? 0 : -1;
    case AN_QUEUE_COMPUTE:
        return bit == AN_DEP_POP_PREV    ? 0
               : bit == AN_DEP_PUSH_PREV ? 1
               : bit == AN_DEP_PUSH_NEXT ? 2
                                         : 3;
    case AN_QUEUE_STORE:
        return bit == AN_DEP_POP_PREV ? 2 : bit == AN_DEP_PUSH_PREV ? 3 : -1;
    default:
        return -1;
    }
}

#define BADI(...) an_fail(AN_ERR_FORMAT, __VA_ARGS__)

an_status npu_insn_check(const an_isa_insn *d, int64_t index, const an_npu_config *c,
                         int64_t dram_size, int32_t n_host) {
    const char *op = d->op >= 0 && d->op < AN_ISA_OP_COUNT ? AN_ISA_OP_NAME[d->op] : "?";
    const an_isa_queue q = an_isa_queue_of(d);
    for (unsigned b = 1; b <= 8; b <<= 1)
        if ((d->dep & b) && npu_token_channel(q, b) < 0)
            return BADI("instruction %lld (%s): field dep = %lld: the %s queue has no %s "
                        "neighbour",
                        (long long)index, op, (long long)d->dep, AN_ISA_QUEUE_NAME[q],
                        (b & (AN_DEP_POP_PREV | AN_DEP_PUSH_PREV)) ? "previous" : "next");
    const int64_t R = c->rows, C = c->cols;
    const int64_t act_rows = an_npu_act_rows(c), acc_rows = an_npu_acc_rows(c);
    switch (d->op) {
    case AN_ISA_LOAD:
    case AN_ISA_STORE: {
        if (d->buf >= AN_BUF_COUNT)
            return BADI("instruction %lld (%s): field buf = %lld is not a buffer", (long long)index,
                        op, (long long)d->buf);
        if (d->op == AN_ISA_STORE && (d->buf != AN_BUF_ACT || d->pad_top || d->pad_bottom ||
                                      d->pad_left || d->pad_right || d->pad_tail || d->pad_value))
            return BADI("instruction %lld (STORE): stores read the activation buffer and take no "
                        "padding",
                        (long long)index);
        if (d->pitch < d->xbytes)
            return BADI("instruction %lld (%s): field pitch = %lld is below xbytes = %lld",
                        (long long)index, op, (long long)d->pitch, (long long)d->xbytes);
        const int64_t end = npu_dma_sram_end(d);
        const int64_t size = npu_space_size(c, dram_size, BUF_SPACE[d->buf]);
        if (end > size)
            return BADI("instruction %lld (%s): field sram = %lld: bytes up to %lld pass the end "
                        "of the %s buffer (%lld bytes)",
                        (long long)index, op, (long long)d->sram, (long long)end,
                        AN_ISA_BUF_NAME[d->buf], (long long)size);
        const int64_t dend = npu_dma_dram_end(d);
        if (dend > dram_size)
            return BADI("instruction %lld (%s): field dram = %lld: bytes up to %lld pass the "
                        "end of DRAM (%lld bytes)",
                        (long long)index, op, (long long)d->dram, (long long)dend,
                        (long long)dram_size);
        return AN_OK;
    }
    case AN_ISA_PRELOAD:
        if ((d->wgt + R) * C > c->wgt_bytes)
            return BADI("instruction %lld (PRELOAD): field wgt = %lld: the %lldx%lld tile passes "
                        "the end of the weight buffer (%lld rows)",
                        (long long)index, (long long)d->wgt, (long long)R, (long long)C,
                        (long long)an_npu_wgt_rows(c));
        return AN_OK;
    case AN_ISA_GEMM:
        if (d->max && !d->accumulate)
            return BADI("instruction %lld (GEMM): field max = 1 needs accumulate = 1 (max "
                        "combines each row with the accumulator row it replaces)",
                        (long long)index);
        if (d->n_outer && d->n_inner) {
            const int64_t a = npu_gemm_act(d, d->n_outer - 1, d->n_inner - 1);
            const int64_t r = npu_gemm_acc(d, d->n_outer - 1, d->n_inner - 1);
            if (a >= act_rows)
                return BADI("instruction %lld (GEMM): field act = %lld: row %lld passes the "
                            "activation buffer (%lld rows)",
                            (long long)index, (long long)d->act, (long long)a, (long long)act_rows);
            if (r >= acc_rows)
                return BADI("instruction %lld (GEMM): field acc = %lld: row %lld passes the "
                            "accumulator buffer (%lld rows)",
                            (long long)index, (long long)d->acc, (long long)r, (long long)acc_rows);
        }
        return AN_OK;
    case AN_ISA_VEC: {
        const int64_t n = d->n;
        int64_t acc_end = 0, acc_end2 = 0, act_end = 0;
        switch (d->vop) {
        case AN_VOP_ADD:
            acc_end = d->dst + n, acc_end2 = d->src + (d->bcast ? 1 : n);
            break;
        case AN_VOP_REQUANT:
            acc_end2 = d->prm + 2 + d->bias;
            if (d->wr8)
                acc_end = d->src + n, act_end = n ? d->dst + (n - 1) * d->vpitch + C : 0;
            else
                acc_end = d->dst + n;
            break;
        case AN_VOP_WIDEN:
            acc_end = d->dst + n, act_end = n ? d->src + (n - 1) * d->vpitch + C : 0;
            break;
        case AN_VOP_WRITE:
            acc_end = d->src + n, act_end = n ? d->dst + (n - 1) * d->vpitch + C : 0;
            break;
        case AN_VOP_MAXPOOL:
        case AN_VOP_AVGPOOL:
            if (d->kh < 1 || d->kw < 1 || d->sh < 1 || d->sw < 1)
                return BADI("instruction %lld (VEC %s): window %lldx%lld stride %lldx%lld must "
                            "be at least 1",
                            (long long)index, AN_ISA_VOP_NAME[d->vop], (long long)d->kh,
                            (long long)d->kw, (long long)d->sh, (long long)d->sw);
            acc_end2 = d->src + d->gh * d->gw;
            if (d->wr8) { /* cells requantized with the parameter rows, int8 to act */
                const int64_t w = d->oh * d->ow;
                acc_end = d->prm + 2 + d->bias, act_end = w ? d->dst + (w - 1) * d->vpitch + C : 0;
            } else {
                acc_end = d->dst + d->oh * d->ow;
            }
            break;
        default:
            return BADI("instruction %lld (VEC): field vop = %lld is not a vector operation",
                        (long long)index, (long long)d->vop);
        }
        if ((d->bias || d->wr8) && d->vop != AN_VOP_REQUANT && d->vop != AN_VOP_MAXPOOL &&
            d->vop != AN_VOP_AVGPOOL)
            return BADI("instruction %lld (VEC %s): fields bias and wr8 belong to requant and "
                        "the pools",
                        (long long)index, AN_ISA_VOP_NAME[d->vop]);
        if (d->bias && !d->wr8 && d->vop != AN_VOP_REQUANT)
            return BADI("instruction %lld (VEC %s): field bias needs wr8 on a pool",
                        (long long)index, AN_ISA_VOP_NAME[d->vop]);
        if (d->nodrain && (!d->beside || (d->dep & (AN_DEP_PUSH_PREV | AN_DEP_PUSH_NEXT))))
            return BADI("instruction %lld (VEC %s): field nodrain needs beside and no token "
                        "pushes (it may end before the GEMMs before it)",
                        (long long)index, AN_ISA_VOP_NAME[d->vop]);
        if (d->beside && d->vop == AN_VOP_WIDEN)
            return BADI("instruction %lld (VEC widen): field beside: widen reads the "
                        "activation port the array uses and cannot run beside it",
                        (long long)index);
        if (acc_end > acc_rows || acc_end2 > acc_rows)
            return BADI("instruction %lld (VEC %s): rows up to %lld pass the accumulator buffer "
                        "(%lld rows)",
                        (long long)index, AN_ISA_VOP_NAME[d->vop],
                        (long long)(acc_end > acc_end2 ? acc_end : acc_end2), (long long)acc_rows);
        if (act_end > c->act_bytes)
            return BADI("instruction %lld (VEC %s): field %s: bytes up to %lld pass the "
                        "activation buffer (%lld bytes)",
                        (long long)index, AN_ISA_VOP_NAME[d->vop],
                        d->vop == AN_VOP_WIDEN ? "src" : "dst", (long long)act_end,
                        (long long)c->act_bytes);
        return AN_OK;
    }
    case AN_ISA_HOST:
        if (d->host >= n_host)
            return BADI("instruction %lld (HOST): field host = %lld but the executable has %d "
                        "host operators",
                        (long long)index, (long long)d->host, n_host);
        return AN_OK;
    case AN_ISA_SYNC:
    case AN_ISA_FINISH:
        return AN_OK;
    default:
        return BADI("instruction %lld: field op = %lld is not an opcode", (long long)index,
                    (long long)d->op);
    }
}

static int put(npu_range *out, int k, int space, int write, int64_t lo, int64_t hi) {
    if (hi <= lo) return k;
    out[k] = (npu_range){space, write, lo, hi};
    return k + 1;
}

static int64_t tensor_bytes(const an_tensor *t, int batch) {
    return an_tensor_bytes(t) * batch;
}

int npu_footprint(const an_isa_insn *d, const an_npu_config *c, const an_npu_exe *x,
                  npu_range out[NPU_MAX_RANGES]) {
    const int64_t R = c->rows, C = c->cols, AR = 4 * C;
    int k = 0;
    switch (d->op) {
    case AN_ISA_LOAD:
    case AN_ISA_STORE: {
        const int st = d->op == AN_ISA_STORE;
        const int64_t dend = npu_dma_dram_end(d);
        k = put(out, k, BUF_SPACE[d->buf], !st, d->sram, npu_dma_sram_end(d));
        k = put(out, k, NPU_DRAM, st, d->dram, dend);
        break;
    }
    case AN_ISA_PRELOAD:
        k = put(out, k, NPU_WGT, 0, d->wgt * C, (d->wgt + R) * C);
        k = put(out, k, NPU_ARRAY, 1, 0, 1);
        break;
    case AN_ISA_GEMM:
        if (!d->n_outer || !d->n_inner) break;
        k = put(out, k, NPU_ARRAY, 0, 0, 1);
        k = put(out, k, NPU_ACT, 0, d->act * R,
                (npu_gemm_act(d, d->n_outer - 1, d->n_inner - 1) + 1) * R);
        k = put(out, k, NPU_ACC, 1, d->acc * AR,
                (npu_gemm_acc(d, d->n_outer - 1, d->n_inner - 1) + 1) * AR);
        if (d->accumulate) k = put(out, k, NPU_ACC, 0, out[k - 1].lo, out[k - 1].hi);
        break;
    case AN_ISA_VEC:
        switch (d->vop) {
        case AN_VOP_ADD:
            k = put(out, k, NPU_ACC, 0, d->src * AR, (d->src + (d->bcast ? 1 : d->n)) * AR);
            k = put(out, k, NPU_ACC, 1, d->dst * AR, (d->dst + d->n) * AR);
            k = put(out, k, NPU_ACC, 0, d->dst * AR, (d->dst + d->n) * AR);
            break;
        case AN_VOP_REQUANT:
            k = put(out, k, NPU_ACC, 0, d->prm * AR, (d->prm + 2 + d->bias) * AR);
            if (d->wr8) {
                k = put(out, k, NPU_ACC, 0, d->src * AR, (d->src + d->n) * AR);
                if (d->n) k = put(out, k, NPU_ACT, 1, d->dst, d->dst + (d->n - 1) * d->vpitch + C);
                break;
            }
            k = put(out, k, NPU_ACC, 1, d->dst * AR, (d->dst + d->n) * AR);
            k = put(out, k, NPU_ACC, 0, d->dst * AR, (d->dst + d->n) * AR);
            break;
        case AN_VOP_WIDEN:
            if (d->n) k = put(out, k, NPU_ACT, 0, d->src, d->src + (d->n - 1) * d->vpitch + C);
            k = put(out, k, NPU_ACC, 1, d->dst * AR, (d->dst + d->n) * AR);
            break;
        case AN_VOP_WRITE:
            k = put(out, k, NPU_ACC, 0, d->src * AR, (d->src + d->n) * AR);
            if (d->n) k = put(out, k, NPU_ACT, 1, d->dst, d->dst + (d->n - 1) * d->vpitch + C);
            break;
        default: /* pools */
            k = put(out, k, NPU_ACC, 0, d->src * AR, (d->src + d->gh * d->gw) * AR);
            if (d->wr8) {
                const int64_t w = d->oh * d->ow;
                k = put(out, k, NPU_ACC, 0, d->prm * AR, (d->prm + 2 + d->bias) * AR);
                if (w) k = put(out, k, NPU_ACT, 1, d->dst, d->dst + (w - 1) * d->vpitch + C);
                break;
            }
            k = put(out, k, NPU_ACC, 1, d->dst * AR, (d->dst + d->oh * d->ow) * AR);
            break;
        }
        break;
    case AN_ISA_HOST: {
        const an_npu_host_op *h = &x->host[d->host];
        for (int i = 0; i < (h->op == AN_Q_ADD ? 2 : 1); i++)
            k = put(out, k, NPU_DRAM, 0, h->in[i].dram,
                    h->in[i].dram + tensor_bytes(&h->in[i], x->batch));
        k = put(out, k, NPU_DRAM, 1, h->out.dram, h->out.dram + tensor_bytes(&h->out, x->batch));
        break;
    }
    default:
        break;
    }
    return k;
}
