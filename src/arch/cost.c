/*
** The closed-form cost of one instruction (docs/timing.md): its duration
** on its unit, its DRAM port time for a DMA, and the bytes, MACs and lane
** operations it adds to the counters (whose names are here too). Nothing
** here depends on data values or on when the instruction runs.
*/
#include "asicnn/arch.h"

#include <math.h>
#include <string.h>

const char *const AN_STALL_NAME[AN_STALL_COUNT] = {"fetch", "wait load", "wait compute",
                                                   "wait store", "fifo full"};
const char *const AN_MEM_NAME[AN_MEM_COUNT] = {"dram", "act", "wgt", "acc"};
const char *const AN_PCLASS_NAME[AN_PC_COUNT] = {
    "load act", "load wgt", "load acc", "store", "preload", "gemm", "vec", "host", "control"};

const char *const AN_ECOMP_NAME[AN_E_COUNT] = {"mac",    "act sram", "wgt sram", "acc sram",
                                               "vector", "dram",     "leakage"};

const char *const NPU_UNIT_NAME[NPU_UNIT_COUNT] = {"dma in", "dma out", "array",
                                                   "vector", "host",    "control"};

static int64_t ceil_div(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

/* DRAM cycles for bytes at the chip's bandwidth (whole cycles). */
static int64_t dram_cycles(const an_npu_config *c, int64_t bytes) {
    return bytes ? (int64_t)ceil((double)bytes / c->dram_bytes_per_cycle - 1e-9) : 0;
}

/* Bursts of B bytes that cover [a, a + n), aligned to B. */
static int64_t bursts(int64_t a, int64_t n, int64_t B) {
    return n ? (a + n - 1) / B - a / B + 1 : 0;
}

/* Bus bytes of a 2-D DMA (docs/timing.md): its runs, bytes contiguous both
** in DRAM and in SRAM, each rounded out to whole aligned bursts. A row is one
** run when it is one element or its elements are adjacent on both sides
** (dram_xstride == xbytes == pitch); all rows are one run when there is one
** row, or the rows are adjacent on both sides too (dram_ystride == row bytes,
** no side padding, pitch == xbytes); otherwise each element is its own run. */
static int64_t dma_bus_bytes(const an_isa_insn *d, int64_t B) {
    if (!d->ysize || !d->xsize || !d->xbytes) return 0;
    const int64_t rowlen = d->xsize * d->xbytes;
    const int rc = d->xsize == 1 || (d->dram_xstride == d->xbytes && d->pitch == d->xbytes);
    const int one = rc && (d->ysize == 1 || (d->dram_ystride == rowlen && d->pitch == d->xbytes &&
                                             d->pad_left + d->pad_right == 0));
    int64_t n = 0;
    if (one)
        n = bursts(d->dram, d->ysize * rowlen, B);
    else if (rc)
        for (int64_t y = 0; y < d->ysize; y++)
            n += bursts(d->dram + y * d->dram_ystride, rowlen, B);
    else
        for (int64_t y = 0; y < d->ysize; y++)
            for (int64_t x = 0; x < d->xsize; x++)
                n += bursts(d->dram + y * d->dram_ystride + x * d->dram_xstride, d->xbytes, B);
    return n * B;
}

/* Cycles a LOAD spends padding (docs/timing.md): each maximal stretch of SRAM
** bytes between data takes ceil(length / B) cycles. The data sits in chunks:
** one per element when pitch > xbytes, one per row when the elements are
** adjacent (pitch == xbytes) but rows have side padding, else one. */
static int64_t dma_pad_cycles(const an_isa_insn *d, int64_t B) {
    const int64_t gw = d->pad_left + d->xsize + d->pad_right;
    const int64_t gh = d->pad_top + d->ysize + d->pad_bottom, P = d->pitch;
    const int64_t span = gh * gw * P + d->pad_tail;
    if (!d->ysize || !d->xsize || !d->xbytes || !gw || !P) return ceil_div(span, B);
    const int64_t g0 = (d->pad_top * gw + d->pad_left) * P;
    const int64_t side = (d->pad_left + d->pad_right) * P;
    const int64_t after = d->pad_right * P + d->pad_bottom * gw * P + d->pad_tail;
    if (P > d->xbytes) /* element chunks: a gap after each */
        return ceil_div(g0, B) + d->ysize * (d->xsize - 1) * ceil_div(P - d->xbytes, B) +
               (d->ysize - 1) * ceil_div(P - d->xbytes + side, B) +
               ceil_div(P - d->xbytes + after, B);
    if (side) /* row chunks */
        return ceil_div(g0, B) + (d->ysize - 1) * ceil_div(side, B) + ceil_div(after, B);
    return ceil_div(g0, B) + ceil_div(after, B);
}

static void cost_dma(const an_npu_exe *x, const an_isa_insn *d, npu_cost *o) {
    const an_npu_config *c = &x->cfg;
    const int64_t data = d->ysize * d->xsize * d->xbytes;
    const int64_t sram = npu_dma_sram_end(d) - d->sram;
    const int64_t bus = dma_bus_bytes(d, c->dram_burst);
    o->dram_xfer = dram_cycles(c, bus);
    o->latency = bus ? c->dram_latency : 0;
    o->pad_cycles = d->op == AN_ISA_STORE ? 0 : dma_pad_cycles(d, c->dram_burst);
    o->cycles = o->latency + o->dram_xfer + o->pad_cycles;
    if (o->cycles == 0) o->cycles = 1;
    o->add.dram_bus = bus;
    if (d->op == AN_ISA_STORE) {
        o->pclass = AN_PC_STORE;
        o->unit = NPU_UNIT_DMA_OUT;
        o->add.rd[AN_MEM_ACT] = data;
        o->add.wr[AN_MEM_DRAM] = data;
        return;
    }
    static const int MEM[AN_BUF_COUNT] = {AN_MEM_ACT, AN_MEM_WGT, AN_MEM_ACC};
    static const int CLS[AN_BUF_COUNT] = {AN_PC_LOAD_ACT, AN_PC_LOAD_WGT, AN_PC_LOAD_ACC};
    o->pclass = CLS[d->buf];
    o->unit = NPU_UNIT_DMA_IN;
    o->add.rd[AN_MEM_DRAM] = data;
    o->add.wr[MEM[d->buf]] = sram;
}

static void cost_vec(const an_npu_config *c, const an_isa_insn *d, npu_cost *o) {
    const int64_t C = c->cols, per_row = ceil_div(C, c->vec_lanes), row = C * 4;
    int64_t rows = d->n;
    o->pclass = AN_PC_VEC;
    o->unit = NPU_UNIT_VECTOR;
    switch (d->vop) {
    case AN_VOP_ADD:
        o->add.rd[AN_MEM_ACC] = 2 * d->n * row;
        o->add.wr[AN_MEM_ACC] = d->n * row;
        o->add.vec_lane_ops = d->n * C;
        break;
    case AN_VOP_REQUANT:
        o->add.rd[AN_MEM_ACC] = (d->n + 2 + d->bias) * row;
        if (d->wr8)
            o->add.wr[AN_MEM_ACT] = d->n * C;
        else
            o->add.wr[AN_MEM_ACC] = d->n * row;
        o->add.vec_mul_ops = d->n * C;
        break;
    case AN_VOP_WIDEN:
        o->add.rd[AN_MEM_ACT] = d->n * C;
        o->add.wr[AN_MEM_ACC] = d->n * row;
        o->add.vec_lane_ops = d->n * C;
        break;
    case AN_VOP_WRITE:
        o->add.rd[AN_MEM_ACC] = d->n * row;
        o->add.wr[AN_MEM_ACT] = d->n * C;
        o->add.vec_lane_ops = d->n * C;
        break;
    default: /* pools: every window cell of every output is one row step */
        rows = d->oh * d->ow * d->kh * d->kw;
        o->add.rd[AN_MEM_ACC] = rows * row;
        o->add.vec_lane_ops = rows * C;
        if (d->wr8) { /* each cell requantized, each window written as int8 */
            o->add.rd[AN_MEM_ACC] += (2 + d->bias) * row;
            o->add.wr[AN_MEM_ACT] = d->oh * d->ow * C;
            o->add.vec_mul_ops = rows * C;
        } else {
            o->add.wr[AN_MEM_ACC] = d->oh * d->ow * row;
        }
        break;
    }
    o->cycles = rows * per_row > 0 ? rows * per_row : 1;
    /* the requantization lanes' pipeline: the last row's result is written
       AN_REQUANT_STAGES cycles after it is read */
    if (rows * per_row > 0 && (d->vop == AN_VOP_REQUANT ||
                               ((d->vop == AN_VOP_MAXPOOL || d->vop == AN_VOP_AVGPOOL) && d->wr8)))
        o->cycles += AN_REQUANT_STAGES;
}

static void cost_host(const an_npu_exe *x, const an_isa_insn *d, npu_cost *o) {
    const an_npu_host_op *h = &x->host[d->host];
    const int64_t B = x->batch;
    int64_t in = B * h->in[0].h * h->in[0].w * h->in[0].c;
    if (h->op == AN_Q_ADD) in += B * h->in[1].h * h->in[1].w * h->in[1].c;
    const int64_t out = B * h->out.h * h->out.w * h->out.c;
    o->pclass = AN_PC_HOST;
    o->unit = NPU_UNIT_HOST;
    o->cycles = x->cfg.dram_latency + dram_cycles(&x->cfg, in + out);
    o->add.rd[AN_MEM_DRAM] = in;
    o->add.wr[AN_MEM_DRAM] = out;
    o->add.dram_bus = in + out;
}

void npu_cost_of(const an_npu_exe *x, const an_isa_insn *d, int live_rows, int live_cols,
                 npu_cost *o) {
    const an_npu_config *c = &x->cfg;
    const int64_t R = c->rows, C = c->cols;
    memset(o, 0, sizeof *o);
    o->add.insns = 1;
    switch (d->op) {
    case AN_ISA_LOAD:
    case AN_ISA_STORE:
        cost_dma(x, d, o);
        break;
    case AN_ISA_PRELOAD: /* one weight row per cycle */
        o->pclass = AN_PC_PRELOAD;
        o->unit = NPU_UNIT_ARRAY;
        o->cycles = R;
        o->add.rd[AN_MEM_WGT] = R * C;
        o->add.array_cycles = R;
        break;
    case AN_ISA_GEMM: { /* skew fill R - 1, T rows streamed, drain C - 1 */
        const int64_t T = d->n_outer * d->n_inner;
        o->pclass = AN_PC_GEMM;
        o->unit = NPU_UNIT_ARRAY;
        o->cycles = T + R + C - 2;
        o->add.array_cycles = o->cycles;
        o->add.macs = T * live_rows * live_cols;
        o->add.pe_slots = T * R * C;
        o->add.rd[AN_MEM_ACT] = T * R;
        o->add.rd[AN_MEM_ACC] = d->accumulate ? T * C * 4 : 0;
        o->add.wr[AN_MEM_ACC] = T * C * 4;
        break;
    }
    case AN_ISA_VEC:
        cost_vec(c, d, o);
        break;
    case AN_ISA_HOST:
        cost_host(x, d, o);
        break;
    default: /* SYNC, FINISH */
        o->pclass = AN_PC_CTRL;
        o->unit = NPU_UNIT_CTRL;
        o->cycles = 1;
        break;
    }
}
