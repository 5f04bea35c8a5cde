/*
** Compiler pass deps: dependency tokens from what instructions touch, as
** TVM's coprocessor-sync injection does for VTA. Walking the program in
** order, each instruction X is checked against the instructions of the
** other queues that are not yet known to have completed before it starts
** (vector clocks, as in the loader's dry run); for the latest one that
** conflicts (write/write or read/write on overlapping granules of a memory),
** that instruction (or the first after it that may: tokens on a channel
** pair in order) pushes a token that X pops. load and
** store are not neighbours: their order goes through the compute queue,
** through its latest instruction when that already follows the producer,
** otherwise through a SYNC placed just before X. Every push is paired with
** its pop when it is made, so the FIFOs match in order. The program stays
** encoded; each instruction is decoded once, for its footprint, whose
** ranges go to one shared pool. Only a window of the nodes is kept: an
** instruction of queue p older than what every queue's next instruction
** already follows (D->cur[q].v[p], all q) is never looked at again.
*/
#include "compile_internal.h"

#include <stdlib.h>
#include <string.h>

/* Instruction counts fit 32 bits (NPU_MAX_INSNS). */
typedef struct vc3 {
    int32_t v[AN_QUEUE_COUNT];
} vc3;

typedef struct node {
    int32_t seq;
    vc3 start;  /* instructions of each queue complete when it starts */
    int32_t r0; /* its footprint: ranges [r0, r0 + nr) of the pool */
    uint8_t nr, q;
} node;

/* A footprint range in whole granules of its space: [lo, hi) (clamped to
** 32 bits: only an address no buffer or DRAM has gets there, and the
** loader's checks refuse it). */
typedef struct grange {
    int32_t lo, hi;
    uint8_t space, write;
} grange;

typedef struct deps {
    cprog *p;
    an_npu_exe fake; /* cfg, batch and host ops, for npu_footprint */
    an_insn *out;
    int *out_layer;
    int64_t n, cap; /* instructions placed; room in out and out_layer */
    node *nodes;    /* the window: nodes of instructions [nbase, n) */
    int64_t nbase, ncap;
    grange *pool; /* the window's footprints: ranges [pbase, n_pool) */
    int64_t pbase, n_pool, cap_pool;
    int64_t *qidx[AN_QUEUE_COUNT]; /* per queue: node indices in order */
    int64_t qn[AN_QUEUE_COUNT], qcap[AN_QUEUE_COUNT];
    vc3 cur[AN_QUEUE_COUNT]; /* start clock of the next instruction of each queue */
    int64_t last_push[4];    /* per token channel: queue seq of its latest push, or -1 */
    int early;               /* push from the conflicting instruction, not the latest */
} deps;

static int64_t gran(const an_npu_config *c, int space) {
    return space == NPU_DRAM  ? 64
           : space == NPU_ACT ? c->rows
           : space == NPU_WGT ? c->cols
           : space == NPU_ACC ? 4 * (int64_t)c->cols
                              : 1;
}

static int32_t clamp32(int64_t v) {
    return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* r in granules: the granules its bytes touch. */
static grange to_granules(const an_npu_config *c, const npu_range *r) {
    const int64_t g = gran(c, r->space);
    return (grange){clamp32(r->lo / g), clamp32((r->hi + g - 1) / g), (uint8_t)r->space,
                    (uint8_t)r->write};
}

/* Whether a and b touch a granule in common, one of them writing. */
/* The node of instruction k (inside the window). */
static node *node_of(const deps *D, int64_t k) {
    return &D->nodes[k - D->nbase];
}

static int conflict(const deps *D, const node *a, const node *b) {
    const grange *ra = D->pool + (a->r0 - D->pbase), *rb = D->pool + (b->r0 - D->pbase);
    for (int i = 0; i < a->nr; i++)
        for (int j = 0; j < b->nr; j++) {
            const grange *x = &ra[i], *y = &rb[j];
            if (x->space != y->space || !(x->write || y->write)) continue;
            if (x->lo < y->hi && y->lo < x->hi) return 1;
        }
    return 0;
}

/* Room for n instructions in out and out_layer, qn[q] in queue q's index
** (each grown to at least that, doubling). */
static an_status reserve(deps *D, int64_t n, const int64_t qn[AN_QUEUE_COUNT]) {
    if (n > D->cap) {
        const int64_t cap = n > 2 * D->cap ? n : 2 * D->cap;
        an_insn *o = realloc(D->out, sizeof *o * (size_t)cap);
        if (o) D->out = o;
        int *ol = realloc(D->out_layer, sizeof *ol * (size_t)cap);
        if (ol) D->out_layer = ol;
        if (!o || !ol) return an_fail(AN_ERR_NOMEM, "out of memory in the deps pass");
        D->cap = cap;
    }
    for (int q = 0; q < AN_QUEUE_COUNT; q++) {
        if (qn[q] <= D->qcap[q]) continue;
        const int64_t cap = qn[q] > 2 * D->qcap[q] ? qn[q] : 2 * D->qcap[q];
        int64_t *qi = realloc(D->qidx[q], sizeof *qi * (size_t)cap);
        if (!qi) return an_fail(AN_ERR_NOMEM, "out of memory in the deps pass");
        D->qidx[q] = qi, D->qcap[q] = cap;
    }
    return AN_OK;
}

/* The oldest instruction whose node may still be looked at: per queue p,
** the first that not every queue's next instruction follows, or its latest. */
static int64_t oldest_needed(const deps *D) {
    int64_t k = D->n;
    for (int p = 0; p < AN_QUEUE_COUNT; p++) {
        if (!D->qn[p]) continue;
        int64_t lb = D->qn[p] - 1;
        for (int q = 0; q < AN_QUEUE_COUNT; q++)
            if (D->cur[q].v[p] < lb) lb = D->cur[q].v[p];
        if (D->qidx[p][lb] < k) k = D->qidx[p][lb];
    }
    return k;
}

/* Room in the window for one more node and its footprint: the nodes no one
** looks at again dropped from its front when that frees a quarter of it,
** else it grows. */
static an_status window_room(deps *D) {
    if (D->n - D->nbase < D->ncap && D->cap_pool - (D->n_pool - D->pbase) >= NPU_MAX_RANGES)
        return AN_OK;
    const int64_t k = oldest_needed(D);
    if (k - D->nbase >= D->ncap / 4 && k < D->n) {
        const int64_t r0 = node_of(D, k)->r0;
        memmove(D->nodes, node_of(D, k), sizeof *D->nodes * (size_t)(D->n - k));
        memmove(D->pool, D->pool + (r0 - D->pbase), sizeof *D->pool * (size_t)(D->n_pool - r0));
        D->nbase = k, D->pbase = r0;
    } else if (k == D->n) {
        D->nbase = D->n, D->pbase = D->n_pool;
    }
    if (D->n - D->nbase == D->ncap) {
        const int64_t cap = D->ncap ? 2 * D->ncap : 4096;
        node *nd = realloc(D->nodes, sizeof *nd * (size_t)cap);
        if (!nd) return an_fail(AN_ERR_NOMEM, "out of memory in the deps pass");
        D->nodes = nd, D->ncap = cap;
    }
    if (D->cap_pool - (D->n_pool - D->pbase) < NPU_MAX_RANGES) {
        const int64_t cap = D->cap_pool ? 2 * D->cap_pool : 4 * 4096;
        grange *r = realloc(D->pool, sizeof *r * (size_t)cap);
        if (!r) return an_fail(AN_ERR_NOMEM, "out of memory in the deps pass");
        D->pool = r, D->cap_pool = cap;
    }
    return AN_OK;
}

/* Append instruction e (decoded: d) of layer. */
static an_status append(deps *D, const an_insn *e, const an_isa_insn *d, int layer) {
    const int qd = an_isa_queue_of(d);
    int64_t qn[AN_QUEUE_COUNT];
    for (int q = 0; q < AN_QUEUE_COUNT; q++) qn[q] = D->qn[q] + (q == qd);
    an_status s = reserve(D, D->n + 1, qn);
    if (!s) s = window_room(D);
    if (s) return s;
    const int64_t k = D->n++;
    D->out[k] = *e;
    D->out_layer[k] = layer;
    node *nd = node_of(D, k);
    nd->q = (uint8_t)qd;
    nd->seq = (int32_t)D->qn[qd];
    nd->start = D->cur[qd];
    nd->r0 = (int32_t)D->n_pool;
    npu_range r[NPU_MAX_RANGES];
    nd->nr = (uint8_t)npu_footprint(d, D->p->cfg, &D->fake, r);
    for (int i = 0; i < nd->nr; i++)
        D->pool[D->n_pool++ - D->pbase] = to_granules(D->p->cfg, &r[i]);
    D->qidx[qd][D->qn[qd]++] = k;
    return AN_OK;
}

/* Take back the latest instruction (its footprint the pool's last ranges). */
static void unappend(deps *D) {
    const node *nd = node_of(D, --D->n);
    D->qn[nd->q]--;
    D->n_pool = nd->r0;
}

/* Or dep bits into encoded instruction e. */
static void add_dep(an_insn *e, unsigned bits) {
    const uint64_t v = an_isa_get(e, AN_ISA_ANY_dep_SHIFT, AN_ISA_ANY_dep_WIDTH);
    an_isa_set(e, AN_ISA_ANY_dep_SHIFT, AN_ISA_ANY_dep_WIDTH, v | bits);
}

/* Completion clock of node k. */
static vc3 done_vc(const deps *D, int64_t k) {
    const node *nd = node_of(D, k);
    vc3 v = nd->start;
    v.v[nd->q] = nd->seq + 1;
    return v;
}

static void merge(vc3 *a, const vc3 *b) {
    for (int q = 0; q < AN_QUEUE_COUNT; q++)
        if (b->v[q] > a->v[q]) a->v[q] = b->v[q];
}

/* Make node x (already appended, the latest) wait for instruction `from` of
** adjacent queue p: that instruction pushes the token x pops, so x waits for
** no more than it must (a load a tile ahead is not held back by the loads
** after it). Tokens on a channel pair in order, so the push goes on the
** first instruction at or after `from` that follows the channel's latest
** push. */
static void link(deps *D, int64_t x, int p, int64_t from) {
    const int q = node_of(D, x)->q;
    const int ch = npu_token_channel((an_isa_queue)p, q > p ? AN_DEP_PUSH_NEXT : AN_DEP_PUSH_PREV);
    if (!D->early || from > D->qn[p] - 1) from = D->qn[p] - 1;
    if (from <= D->last_push[ch]) from = D->last_push[ch] + 1;
    D->last_push[ch] = from;
    const int64_t z = D->qidx[p][from];
    add_dep(&D->out[z], q > p ? AN_DEP_PUSH_NEXT : AN_DEP_PUSH_PREV);
    /* (a VEC that pushes waits for the drain: it ends after it) */
    if (an_insn_op(&D->out[z]) == AN_ISA_VEC)
        an_isa_set(&D->out[z], AN_ISA_VEC_nodrain_SHIFT, AN_ISA_VEC_nodrain_WIDTH, 0);
    add_dep(&D->out[x], q > p ? AN_DEP_POP_PREV : AN_DEP_POP_NEXT);
    const vc3 v = done_vc(D, z);
    merge(&node_of(D, x)->start, &v);
}

/* Seq + 1 of the latest instruction of queue p that x must follow, or 0. */
static int64_t need(const deps *D, const node *x, int p) {
    for (int64_t s = D->qn[p] - 1; s >= x->start.v[p]; s--)
        if (conflict(D, node_of(D, D->qidx[p][s]), x)) return s + 1;
    return 0;
}

static an_status place(deps *D, const an_insn *e0, int layer) {
    an_insn e = *e0;
    an_isa_set(&e, AN_ISA_ANY_dep_SHIFT, AN_ISA_ANY_dep_WIDTH, 0);
    an_isa_insn d;
    an_status s = an_isa_decode(&e, &d); /* npu_emit encoded it */
    if (!s) s = append(D, &e, &d, layer);
    if (s) return s;
    int64_t x = D->n - 1;
    const int q = node_of(D, x)->q;
    /* the queue that is not a neighbour first (it may need a SYNC placed
       before x, while x has no tokens yet), then the neighbours */
    const int order[2] = {q == AN_QUEUE_LOAD    ? AN_QUEUE_STORE
                          : q == AN_QUEUE_STORE ? AN_QUEUE_LOAD
                                                : AN_QUEUE_LOAD,
                          q == AN_QUEUE_COMPUTE ? AN_QUEUE_STORE : AN_QUEUE_COMPUTE};
    for (int k = 0; k < 2; k++) {
        const int p = order[k];
        const int64_t want = need(D, node_of(D, x), p);
        if (!want) continue;
        if (p == AN_QUEUE_COMPUTE || q == AN_QUEUE_COMPUTE) {
            link(D, x, p, want - 1);
            continue;
        }
        const int64_t nc = D->qn[AN_QUEUE_COMPUTE];
        const int64_t cl = nc ? D->qidx[AN_QUEUE_COMPUTE][nc - 1] : -1;
        if (cl < 0 || done_vc(D, cl).v[p] < want) { /* a SYNC goes before x */
            unappend(D);
            an_isa_insn sync;
            memset(&sync, 0, sizeof sync);
            sync.op = AN_ISA_SYNC;
            an_insn se;
            if ((s = an_isa_encode(&sync, &se)) || (s = append(D, &se, &sync, layer))) return s;
            link(D, D->n - 1, p, want - 1);
            D->cur[AN_QUEUE_COMPUTE] = done_vc(D, D->n - 1);
            if ((s = append(D, &e, &d, layer))) return s;
            x = D->n - 1;
        }
        link(D, x, AN_QUEUE_COMPUTE, D->qn[AN_QUEUE_COMPUTE] - 1);
    }
    D->cur[q] = done_vc(D, x);
    return AN_OK;
}

/* The tokens of p's program, pushed early or from the latest instruction. */
static an_status place_all(cprog *p, int early, deps *D) {
    memset(D, 0, sizeof *D);
    D->p = p;
    D->early = early;
    for (int ch = 0; ch < 4; ch++) D->last_push[ch] = -1;
    D->fake.cfg = *p->cfg;
    D->fake.batch = p->B;
    D->fake.host = p->host;
    D->fake.n_host = p->n_host;
    /* the program's size at once (SYNCs grow it later when they must) */
    int64_t qn[AN_QUEUE_COUNT] = {0};
    for (int64_t i = 0; i < p->n_ins; i++) qn[an_insn_queue(&p->ins[i])]++;
    qn[AN_QUEUE_COMPUTE] += p->n_ins / 16;
    an_status s = reserve(D, p->n_ins + p->n_ins / 16 + 16, qn);
    for (int64_t i = 0; i < p->n_ins && !s; i++) s = place(D, &p->ins[i], p->ins_layer[i]);
    for (int q = 0; q < AN_QUEUE_COUNT; q++) free(D->qidx[q]);
    free(D->nodes);
    free(D->pool);
    if (s) free(D->out), free(D->out_layer);
    return s;
}

static an_status no_step(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d) {
    (void)ctx, (void)q, (void)index, (void)d;
    return AN_OK;
}

/* A VEC runs beside the array only where no PRELOAD or GEMM that may run
** while it does touches its rows, and starts before the array drains
** (nodrain, which needs beside) only where none that may still drain does
** (src/arch/beside.c); the flags are cleared elsewhere. SYNCs the pass adds
** only end such windows sooner. */
static void clear_beside(cprog *p) {
    an_npu_exe fake;
    memset(&fake, 0, sizeof fake);
    fake.cfg = *p->cfg, fake.batch = p->B, fake.host = p->host, fake.n_host = p->n_host;
    for (int64_t i = 0; i < p->n_ins; i++) {
        an_insn *e = &p->ins[i];
        if (an_insn_op(e) != AN_ISA_VEC) continue;
        if (an_isa_get(e, AN_ISA_VEC_beside_SHIFT, AN_ISA_VEC_beside_WIDTH) &&
            npu_beside_conflict(p->ins, p->n_ins, i, p->cfg, &fake) >= 0)
            an_isa_set(e, AN_ISA_VEC_beside_SHIFT, AN_ISA_VEC_beside_WIDTH, 0);
        if (an_isa_get(e, AN_ISA_VEC_nodrain_SHIFT, AN_ISA_VEC_nodrain_WIDTH) &&
            (!an_isa_get(e, AN_ISA_VEC_beside_SHIFT, AN_ISA_VEC_beside_WIDTH) ||
             npu_nodrain_conflict(p->ins, p->n_ins, i, p->cfg, &fake) >= 0))
            an_isa_set(e, AN_ISA_VEC_nodrain_SHIFT, AN_ISA_VEC_nodrain_WIDTH, 0);
    }
}

an_status npu_pass_deps(cprog *p) {
    clear_beside(p);
    /* Early pushes let a queue run further ahead, but hold tokens longer:
       with shallow instruction queues or token FIFOs that can deadlock, so
       the scheduler tries the program, and the pushes go on the latest
       instructions (which never deadlocks) when it does. */
    deps D;
    an_status s = place_all(p, 1, &D);
    if (!s && npu_schedule(D.out, D.n, p->cfg, p->g->source, no_step, NULL)) {
        free(D.out), free(D.out_layer);
        s = place_all(p, 0, &D);
    }
    if (s) return s;
    free(p->ins);
    free(p->ins_layer);
    p->ins = D.out;
    p->ins_layer = D.out_layer;
    p->n_ins = p->cap_ins = D.n;
    return AN_OK;
}
