/*
** The timing model (docs/timing.md). It rides on the functional
** executor's per-instruction step, which visits instructions in an order
** the tokens allow; each instruction's start is the max of: its queue
** free, its dispatch by the fetch unit plus one, the push times of the
** tokens it pops, and room in the FIFOs it pushes (from the cycle after
** the pop that frees a slot). Its end is start plus its closed-form
** duration, and never before the end of its queue's previous instruction
** (in-order completion). The load and store queues have two DMA engines
** each: a DMA that moves DRAM data and writes no padding lets the next one
** that moves data start once its requests are out; the compute queue
** pipelines its array: a PRELOAD holds the queue
** one cycle (two weight banks), a GEMM as many cycles as it streams rows,
** anything else waits for every earlier compute instruction to complete.
** Each queue's DMA has its own DRAM channel (no cross-queue contention).
** The waiting is attributed to the term that bound it. The simulator runs
** it beside its executor; the compiler runs it alone (npu_time) to choose
** among candidate tiles by the cycles the chip will spend.
*/
#include "asicnn/arch.h"

#include <stdlib.h>
#include <string.h>

struct npu_timing {
    const an_npu_exe *x;
    const an_insn *prog; /* x->insns */
    int64_t n;
    int32_t *layer;                /* [n] layer of each instruction, n_layers for none */
    int64_t *qpos;                 /* [n] position in its queue */
    int64_t *qidx[AN_QUEUE_COUNT]; /* [n] instruction at each queue position */
    int64_t *fetch;                /* [n] dispatch cycle */
    int64_t *start;                /* [n] */
    int64_t fetched;
    int64_t *push_t[4], *pop_t[4]; /* [n] per token sequence number */
    int64_t pushes[4], pops[4];
    int64_t qnext[AN_QUEUE_COUNT]; /* earliest start of each queue's next instruction */
    int64_t qlast[AN_QUEUE_COUNT]; /* end of each queue's latest instruction */
    int64_t qprev[AN_QUEUE_COUNT]; /* end of the one before it (load and store queues: its
                                      DMA engine, which the next takes) */
    /* the compute queue's array pipeline (docs/timing.md) */
    int64_t wport_free;   /* the weight-buffer port: end of the latest PRELOAD */
    int64_t array_free;   /* the array's input: the latest GEMM has issued its rows */
    int64_t bank_free[2]; /* each weight bank: its latest GEMM's rows have passed every PE */
    int64_t n_preloads;   /* PRELOADs so far (the bank of the next is n_preloads & 1) */
    int64_t unit_free;    /* the latest compute instruction but PRELOAD and GEMM has done
                             its own work (all a VEC with nodrain waits for) */
    int64_t end;          /* latest end so far */
    int64_t *layer_end;   /* [n_layers + 1] */
    an_perf total, cls[AN_PC_COUNT], *lay; /* lay: [n_layers + 1] */
    npu_event *ev;                         /* [n] when tracing */
    int64_t n_ev;
};

/* Queue whose token travels on each channel: load->compute,
** compute->load, compute->store, store->compute. */
static const int CHANNEL_FROM[4] = {AN_STALL_LOAD, AN_STALL_COMPUTE, AN_STALL_COMPUTE,
                                    AN_STALL_STORE};

void npu_timing_free(npu_timing *t) {
    if (!t) return;
    free(t->layer);
    free(t->qpos);
    for (int q = 0; q < AN_QUEUE_COUNT; q++) free(t->qidx[q]);
    free(t->fetch);
    free(t->start);
    for (int c = 0; c < 4; c++) free(t->push_t[c]), free(t->pop_t[c]);
    free(t->layer_end);
    free(t->lay);
    free(t->ev);
    free(t);
}

an_status npu_timing_create(npu_timing **out, const an_npu_exe *x, int trace) {
    const an_insn *prog = x->insns;
    *out = NULL;
    npu_timing *t = calloc(1, sizeof *t);
    if (!t) return an_fail(AN_ERR_NOMEM, "out of memory for the timing model");
    const size_t n = (size_t)(x->n_insns ? x->n_insns : 1), L = (size_t)x->n_layers + 1;
    t->x = x;
    t->prog = prog;
    t->n = x->n_insns;
    int ok = (t->layer = calloc(n, sizeof *t->layer)) && (t->qpos = calloc(n, sizeof *t->qpos)) &&
             (t->fetch = calloc(n, sizeof *t->fetch)) && (t->start = calloc(n, sizeof *t->start)) &&
             (t->layer_end = calloc(L, sizeof *t->layer_end)) &&
             (t->lay = calloc(L, sizeof *t->lay)) && (!trace || (t->ev = calloc(n, sizeof *t->ev)));
    for (int q = 0; q < AN_QUEUE_COUNT && ok; q++) ok = !!(t->qidx[q] = calloc(n, sizeof(int64_t)));
    for (int c = 0; c < 4 && ok; c++)
        ok = (t->push_t[c] = calloc(n, sizeof(int64_t))) &&
             (t->pop_t[c] = calloc(n, sizeof(int64_t)));
    if (!ok) {
        npu_timing_free(t);
        return an_fail(AN_ERR_NOMEM, "%s: out of memory for the timing model", x->source);
    }
    int64_t len[AN_QUEUE_COUNT] = {0};
    for (int64_t i = 0; i < t->n; i++) {
        const int q = an_insn_queue(&prog[i]);
        t->qpos[i] = len[q];
        t->qidx[q][len[q]++] = i;
        t->layer[i] = x->n_layers;
    }
    for (int l = 0; l < x->n_layers; l++)
        for (int64_t i = 0; i < x->layers[l].n_insn; i++)
            if (x->layers[l].first_insn + i < t->n) t->layer[x->layers[l].first_insn + i] = l;
    *out = t;
    return AN_OK;
}

void npu_timing_reset(npu_timing *t) {
    t->fetched = 0;
    memset(t->pushes, 0, sizeof t->pushes);
    memset(t->pops, 0, sizeof t->pops);
    memset(t->qnext, 0, sizeof t->qnext);
    memset(t->qlast, 0, sizeof t->qlast);
    memset(t->qprev, 0, sizeof t->qprev);
    t->wport_free = t->array_free = t->n_preloads = t->unit_free = 0;
    t->bank_free[0] = t->bank_free[1] = 0;
    t->end = 0;
    t->n_ev = 0;
    memset(t->layer_end, 0, sizeof *t->layer_end * ((size_t)t->x->n_layers + 1));
    memset(t->lay, 0, sizeof *t->lay * ((size_t)t->x->n_layers + 1));
    memset(&t->total, 0, sizeof t->total);
    memset(t->cls, 0, sizeof t->cls);
}

/* Dispatch cycles of every instruction up to i: one per cycle, in order,
** each waiting for a free slot in its queue (the instruction insn_depth
** places ahead of it in the queue has started). */
static void fetch_upto(npu_timing *t, int64_t i) {
    const int64_t depth = t->x->cfg.insn_depth;
    for (; t->fetched <= i; t->fetched++) {
        const int64_t k = t->fetched;
        int64_t f = k ? t->fetch[k - 1] + 1 : 0;
        if (t->qpos[k] >= depth) {
            const int q = an_insn_queue(&t->prog[k]);
            const int64_t s = t->start[t->qidx[q][t->qpos[k] - depth]];
            if (s > f) f = s;
        }
        t->fetch[k] = f;
    }
}

static void perf_add(an_perf *p, const an_perf *a, int64_t dur, int64_t stall, int cause) {
    p->insns += a->insns;
    p->busy += dur;
    p->stall[cause] += stall;
    p->array_cycles += a->array_cycles;
    p->macs += a->macs;
    p->pe_slots += a->pe_slots;
    for (int m = 0; m < AN_MEM_COUNT; m++) p->rd[m] += a->rd[m], p->wr[m] += a->wr[m];
    p->dram_bus += a->dram_bus;
    p->vec_lane_ops += a->vec_lane_ops;
    p->vec_mul_ops += a->vec_mul_ops;
}

/* When the compute queue's array pipeline lets d start (docs/timing.md):
** a PRELOAD needs the weight port and its bank free, a GEMM the array's
** input, a VEC with nodrain the unit that the instruction of another kind
** before it used, anything else every earlier compute instruction complete
** (a VEC running beside the array included). */
static int64_t array_ready(const npu_timing *t, const an_isa_insn *d) {
    int64_t r = t->qnext[AN_QUEUE_COMPUTE];
    int64_t u;
    switch (d->op) {
    case AN_ISA_PRELOAD:
        u = t->bank_free[t->n_preloads & 1] > t->wport_free ? t->bank_free[t->n_preloads & 1]
                                                            : t->wport_free;
        break;
    case AN_ISA_GEMM:
        u = t->array_free;
        break;
    default:
        u = d->op == AN_ISA_VEC && d->nodrain ? t->unit_free : t->qlast[AN_QUEUE_COMPUTE];
        break;
    }
    return u > r ? u : r;
}

/* After d started at start on the compute queue (its own work done at
** done): the array pipeline's state and the earliest start of the queue's
** next instruction. */
static void array_issue(npu_timing *t, const an_isa_insn *d, int64_t start, int64_t done,
                        int64_t end) {
    const int64_t R = t->x->cfg.rows, C = t->x->cfg.cols;
    int64_t *next = &t->qnext[AN_QUEUE_COMPUTE];
    if (d->op == AN_ISA_PRELOAD) {
        *next = start + 1;
        t->wport_free = start + R;
        t->n_preloads++;
    } else if (d->op == AN_ISA_GEMM) {
        const int64_t T = d->n_outer * d->n_inner, issue = T > 0 ? T : 1;
        const int b = (int)((t->n_preloads - 1) & 1);
        *next = t->array_free = start + issue;
        if (start + T + C - 2 > t->bank_free[b]) t->bank_free[b] = start + T + C - 2;
    } else if (d->op == AN_ISA_VEC && d->beside) {
        *next = start + 1; /* the PRELOADs and GEMMs after it run beside it */
    } else {
        *next = end;
    }
    if (d->op != AN_ISA_PRELOAD && d->op != AN_ISA_GEMM) t->unit_free = done;
}

void npu_timing_step(npu_timing *t, an_isa_queue q, int64_t index, const an_isa_insn *d,
                     int live_rows, int live_cols) {
    npu_cost c;
    npu_cost_of(t->x, d, live_rows, live_cols, &c);
    fetch_upto(t, index);
    /* the load and store queues: a DMA that moves DRAM data may start while
       the one before it waits for its answers (qnext), on the engine the
       one before that has left; anything else once the one before ends */
    const int data = q != AN_QUEUE_COMPUTE && c.dram_xfer > 0;
    int64_t ready = q == AN_QUEUE_COMPUTE ? array_ready(t, d) : data ? t->qnext[q] : t->qlast[q];
    if (data && t->qprev[q] > ready) ready = t->qprev[q];
    int64_t start = ready, cause = AN_STALL_FETCH;
#define BOUND(v, why)                                                                              \
    do {                                                                                           \
        if ((v) > start) start = (v), cause = (why);                                               \
    } while (0)
    BOUND(t->fetch[index] + 1 + AN_DECODE_STAGES, AN_STALL_FETCH);
    for (int k = 0; k < 2; k++) {
        if (d->dep & NPU_DEP_POPS[k]) {
            const int ch = npu_token_channel(q, NPU_DEP_POPS[k]);
            BOUND(t->push_t[ch][t->pops[ch]], CHANNEL_FROM[ch]);
        }
        if (d->dep & NPU_DEP_PUSHES[k]) {
            const int ch = npu_token_channel(q, NPU_DEP_PUSHES[k]);
            /* the slot a pop frees is usable from the cycle after it */
            if (t->pushes[ch] >= t->x->cfg.token_depth)
                BOUND(t->pop_t[ch][t->pushes[ch] - t->x->cfg.token_depth] + 1, AN_STALL_FIFO);
        }
    }
#undef BOUND
    for (int k = 0; k < 2; k++)
        if (d->dep & NPU_DEP_POPS[k]) {
            const int ch = npu_token_channel(q, NPU_DEP_POPS[k]);
            t->pop_t[ch][t->pops[ch]++] = start;
        }
    /* a queue completes in order: nothing ends before its predecessor */
    int64_t end = start + c.cycles;
    if (end < t->qlast[q]) end = t->qlast[q];
    for (int k = 0; k < 2; k++)
        if (d->dep & NPU_DEP_PUSHES[k]) {
            const int ch = npu_token_channel(q, NPU_DEP_PUSHES[k]);
            t->push_t[ch][t->pushes[ch]++] = end;
        }
    if (q == AN_QUEUE_COMPUTE)
        array_issue(t, d, start, start + c.cycles, end);
    else /* once its requests are out, if it writes no padding */
        t->qnext[q] = data && !c.pad_cycles ? start + c.dram_xfer : end;
    t->qprev[q] = t->qlast[q];
    t->qlast[q] = end;
    t->start[index] = start;
    if (end > t->end) t->end = end;
    const int l = t->layer[index];
    if (end > t->layer_end[l]) t->layer_end[l] = end;
    const int64_t dur = c.cycles, stall = start - ready;
    perf_add(&t->total, &c.add, dur, stall, (int)cause);
    perf_add(&t->cls[c.pclass], &c.add, dur, stall, (int)cause);
    perf_add(&t->lay[l], &c.add, dur, stall, (int)cause);
    if (t->ev)
        t->ev[t->n_ev++] = (npu_event){start, end, index, c.add.dram_bus, q, c.unit, c.pclass, l};
}

int64_t npu_timing_sums(const npu_timing *t, const an_perf **total, const an_perf **cls,
                        const an_perf **lay, int64_t *owned) {
    if (total) *total = &t->total;
    if (cls) *cls = t->cls;
    if (lay) *lay = t->lay;
    if (owned) { /* each layer owns the cycles from the completion of the layers
                    before it to its own completion; "other" owns the rest */
        const int L = t->x->n_layers;
        int64_t done = 0, sum = 0;
        for (int l = 0; l < L; l++) {
            const int64_t b = t->layer_end[l] > done ? t->layer_end[l] : done;
            owned[l] = b - done;
            sum += b - done;
            done = b;
        }
        owned[L] = t->end - sum;
    }
    return t->end;
}

/* One instruction of a data-free run: every PE counted as holding a live
** weight (the MAC counter only; no cycle depends on it). */
static an_status time_step(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d) {
    npu_timing *t = ctx;
    npu_timing_step(t, q, index, d, t->x->cfg.rows, t->x->cfg.cols);
    return AN_OK;
}

an_status npu_time(const an_npu_exe *x, npu_timing **out) {
    an_status s = npu_timing_create(out, x, 0);
    if (!s) s = npu_schedule(x->insns, x->n_insns, &x->cfg, x->source, time_step, *out);
    if (s) npu_timing_free(*out), *out = NULL;
    return s;
}

const npu_event *npu_timing_events(const npu_timing *t, int64_t *n) {
    *n = t->n_ev;
    return t->ev;
}
