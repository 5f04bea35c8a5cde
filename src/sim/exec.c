/*
** The functional executor: the chip's memories (DRAM, activation, weight
** and accumulator buffers, the array's preloaded weight tile) and the
** semantics of every instruction, run one at a time in the scheduler's
** order. Arithmetic is exactly the integer reference engine's: int32
** accumulation (wrapping, which a valid graph never reaches), requantization
** with the reference's own function, and host operators run by the
** reference kernels themselves. The executable was validated when it was
** loaded, so every address here is inside its memory.
**
** The accumulator buffer is an int32 array that DMA also addresses as
** little-endian bytes; the simulator assumes a little-endian host.
*/
#include "sim/sim_internal.h"

#include <stdlib.h>
#include <string.h>

struct an_npu_sim {
    const an_npu_exe *x;
    uint8_t *dram;         /* [dram_size] */
    uint8_t *act;          /* [act_bytes] */
    uint8_t *wgt;          /* [wgt_bytes] */
    int32_t *acc;          /* [acc_rows, C] */
    int8_t *array;         /* [R, C] preloaded tile */
    int32_t *live;         /* [R] rows of the tile with a nonzero weight */
    int n_live, live_cols; /* live rows; columns [0, live_cols) hold every nonzero */
    an_npu_hook hook;
    void *hook_ctx;
    int64_t count[AN_QUEUE_COUNT];
    npu_timing *timing; /* NULL: timing off */
};

void an_npu_sim_free(an_npu_sim *s) {
    if (!s) return;
    npu_timing_free(s->timing);
    free(s->dram);
    free(s->act);
    free(s->wgt);
    free(s->acc);
    free(s->array);
    free(s->live);
    free(s);
}

an_status an_npu_sim_create(an_npu_sim **out, const an_npu_exe *x) {
    *out = NULL;
    an_npu_sim *s = calloc(1, sizeof *s);
    if (!s) return an_fail(AN_ERR_NOMEM, "out of memory");
    const an_npu_config *c = &x->cfg;
    s->x = x;
    int ok =
        (s->dram = calloc((size_t)x->dram_size, 1)) && (s->act = calloc((size_t)c->act_bytes, 1)) &&
        (s->wgt = calloc((size_t)c->wgt_bytes, 1)) && (s->acc = calloc((size_t)c->acc_bytes, 1)) &&
        (s->array = calloc((size_t)c->rows * c->cols, 1)) &&
        (s->live = calloc((size_t)c->rows, sizeof *s->live));
    if (!ok) {
        an_npu_sim_free(s);
        return an_fail(AN_ERR_NOMEM, "%s: cannot allocate the simulated chip (%lld bytes of DRAM)",
                       x->source, (long long)x->dram_size);
    }
    *out = s;
    return AN_OK;
}

void an_npu_sim_set_hook(an_npu_sim *s, an_npu_hook hook, void *ctx) {
    s->hook = hook;
    s->hook_ctx = ctx;
}

const uint8_t *an_npu_sim_dram(const an_npu_sim *s) {
    return s->dram;
}

an_status an_npu_sim_timing(an_npu_sim *s, int trace) {
    npu_timing_free(s->timing);
    s->timing = NULL;
    return npu_timing_create(&s->timing, s->x, trace);
}

const npu_timing *npu_sim_timing(const an_npu_sim *s) {
    return s->timing;
}

const an_npu_exe *npu_sim_exe(const an_npu_sim *s) {
    return s->x;
}

int64_t an_npu_sim_count(const an_npu_sim *s, an_isa_queue q) {
    return s->count[q];
}

/* ---- DMA ---- */

typedef struct dma_ctx {
    an_npu_sim *s;
    uint8_t *buf;
    int store;
    int8_t pad;
} dma_ctx;

static int dma_elem(void *p, int64_t sram, int64_t dram, int64_t n) {
    dma_ctx *c = p;
    if (dram < 0) { /* padding: a LOAD fills it, a STORE moves data elements only */
        if (!c->store) memset(c->buf + sram, (uint8_t)c->pad, (size_t)n);
    } else if (c->store)
        memcpy(c->s->dram + dram, c->buf + sram, (size_t)n);
    else
        memcpy(c->buf + sram, c->s->dram + dram, (size_t)n);
    return 0;
}

static void do_dma(an_npu_sim *s, const an_isa_insn *d) {
    uint8_t *bufs[AN_BUF_COUNT] = {s->act, s->wgt, (uint8_t *)s->acc};
    dma_ctx c = {s, bufs[d->buf], d->op == AN_ISA_STORE, (int8_t)d->pad_value};
    npu_dma_walk(d, dma_elem, &c);
}

/* ---- array ---- */

static void do_preload(an_npu_sim *s, const an_isa_insn *d) {
    const int R = s->x->cfg.rows, C = s->x->cfg.cols;
    memcpy(s->array, s->wgt + d->wgt * C, (size_t)R * C);
    s->n_live = 0;
    s->live_cols = 0;
    for (int r = 0; r < R; r++) {
        int any = 0;
        for (int c = 0; c < C; c++)
            if (s->array[r * C + c]) {
                any = 1;
                if (c + 1 > s->live_cols) s->live_cols = c + 1;
            }
        if (any) s->live[s->n_live++] = r;
    }
}

/* Only the tile's nonzero rows and columns can change a sum: skipping the
** rest is exact and makes wide arrays on narrow layers fast to simulate.
** The row's sum is added to the accumulator row, replaces it, or (max)
** keeps the larger of the two per lane. */
static void do_gemm(an_npu_sim *s, const an_isa_insn *d) {
    const int R = s->x->cfg.rows, C = s->x->cfg.cols, kc = s->live_cols;
    uint32_t sum[AN_NPU_MAX_DIM]; /* [C] */
    for (int64_t o = 0; o < d->n_outer; o++)
        for (int64_t i = 0; i < d->n_inner; i++) {
            const int8_t *a = (const int8_t *)s->act + npu_gemm_act(d, o, i) * R; /* [R] */
            uint32_t *y = (uint32_t *)(s->acc + npu_gemm_acc(d, o, i) * C);       /* [C] */
            uint32_t *t = d->max ? sum : y;
            if (!d->accumulate || d->max) memset(t, 0, sizeof *t * (size_t)C);
            for (int k = 0; k < s->n_live; k++) {
                const int r = s->live[k];
                const int32_t av = a[r];
                if (!av) continue;
                const int8_t *w = s->array + r * C; /* [C] */
                for (int c = 0; c < kc; c++) t[c] += (uint32_t)(av * (int32_t)w[c]);
            }
            if (d->max)
                for (int c = 0; c < C; c++)
                    if (!d->accumulate || (int32_t)t[c] > (int32_t)y[c]) y[c] = t[c];
        }
}

/* ---- vector unit ---- */

static int32_t clamp_shift(int32_t v) {
    return v < -31 ? -31 : v > 30 ? 30 : v;
}

/* Lane c of a requantization (REQUANT, and the cells of a pool with wr8):
** x plus the bias row's lane when d->bias, scaled by the multiplier and
** shift rows at d->prm, plus zp, clamped to [lo, hi] when d->clamp, else to
** int8 when the result is written as int8, else not at all. */
static int32_t requant_lane(const an_npu_sim *s, const an_isa_insn *d, int32_t x, int c) {
    const int C = s->x->cfg.cols;
    const int32_t *m = s->acc + d->prm * C, *sh = s->acc + (d->prm + 1) * C; /* [C] */
    const int32_t *bias = s->acc + (d->prm + 2) * C;                         /* [C] when bias */
    const int64_t lo = d->clamp ? d->lo : d->wr8 ? -128 : INT32_MIN;
    const int64_t hi = d->clamp ? d->hi : d->wr8 ? 127 : INT32_MAX;
    if (d->bias) x = (int32_t)((uint32_t)x + (uint32_t)bias[c]);
    int64_t v = (int64_t)an_q_mul_by_quantized(x, m[c], clamp_shift(sh[c])) + d->zp;
    return (int32_t)(v < lo ? lo : v > hi ? hi : v);
}

/* A pool over the gh x gw grid at src: each window's max or mean into the
** accumulator row dst + window, or (wr8) of the requantized cells as int8
** into act at dst + window x vpitch. */
static void do_pool(an_npu_sim *s, const an_isa_insn *d) {
    const int C = s->x->cfg.cols;
    int64_t *sum = malloc(sizeof *sum * (size_t)C); /* [C] */
    if (!sum) return;                               /* cannot happen for C <= 1024 in practice */
    const int avg = d->vop == AN_VOP_AVGPOOL;
    for (int64_t y = 0; y < d->oh; y++)
        for (int64_t x = 0; x < d->ow; x++) {
            int64_t count = 0;
            for (int c = 0; c < C; c++) sum[c] = avg ? 0 : INT32_MIN;
            for (int64_t ky = 0; ky < d->kh; ky++)
                for (int64_t kx = 0; kx < d->kw; kx++) {
                    const int64_t cell = npu_pool_cell(d, y, x, ky, kx);
                    if (cell < 0) continue;
                    const int32_t *v = s->acc + (d->src + cell) * C; /* [C] */
                    count++;
                    for (int c = 0; c < C; c++) {
                        const int64_t e = d->wr8 ? requant_lane(s, d, v[c], c) : v[c];
                        sum[c] = avg ? sum[c] + e : (e > sum[c] ? e : sum[c]);
                    }
                }
            const int64_t w = y * d->ow + x;
            int32_t *out = s->acc + (d->dst + w) * C;                 /* [C] without wr8 */
            int8_t *out8 = (int8_t *)s->act + d->dst + w * d->vpitch; /* [C] with wr8 */
            for (int c = 0; c < C; c++) {
                int64_t v = sum[c];
                if (avg) { /* rounded half away from zero, then int8 range, as the reference */
                    v = count == 0 ? 0 : v > 0 ? (v + count / 2) / count : (v - count / 2) / count;
                    v = v < -128 ? -128 : v > 127 ? 127 : v;
                } else if (count == 0) {
                    v = 0;
                }
                if (d->wr8)
                    out8[c] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
                else
                    out[c] = (int32_t)v;
            }
        }
    free(sum);
}

static void do_vec(an_npu_sim *s, const an_isa_insn *d) {
    const int C = s->x->cfg.cols;
    switch (d->vop) {
    case AN_VOP_ADD:
        for (int64_t i = 0; i < d->n; i++) {
            uint32_t *y = (uint32_t *)(s->acc + (d->dst + i) * C);
            const uint32_t *b = (const uint32_t *)(s->acc + (d->src + (d->bcast ? 0 : i)) * C);
            for (int c = 0; c < C; c++) y[c] += b[c];
        }
        break;
    case AN_VOP_REQUANT: /* in place, or (wr8) from src rows to int8 activation rows */
        for (int64_t i = 0; i < d->n; i++) {
            int32_t *y = s->acc + ((d->wr8 ? d->src : d->dst) + i) * C;
            int8_t *a = (int8_t *)s->act + d->dst + i * d->vpitch; /* [C] when d->wr8 */
            for (int c = 0; c < C; c++) {
                const int32_t v = requant_lane(s, d, y[c], c);
                if (d->wr8)
                    a[c] = (int8_t)v;
                else
                    y[c] = v;
            }
        }
        break;
    case AN_VOP_WIDEN:
        for (int64_t i = 0; i < d->n; i++) {
            const int8_t *a = (const int8_t *)s->act + d->src + i * d->vpitch;
            int32_t *y = s->acc + (d->dst + i) * C;
            for (int c = 0; c < C; c++)
                y[c] = (int32_t)((uint32_t)((int32_t)a[c] - (int32_t)d->zp) << d->shift);
        }
        break;
    case AN_VOP_WRITE:
        for (int64_t i = 0; i < d->n; i++) {
            const int32_t *v = s->acc + (d->src + i) * C;
            int8_t *a = (int8_t *)s->act + d->dst + i * d->vpitch;
            for (int c = 0; c < C; c++)
                a[c] = (int8_t)(v[c] < -128 ? -128 : v[c] > 127 ? 127 : v[c]);
        }
        break;
    default:
        do_pool(s, d);
        break;
    }
}

/* ---- host operators: the reference kernels on DRAM tensors ---- */

static void do_host(an_npu_sim *s, const an_isa_insn *d) {
    const an_npu_host_op *h = &s->x->host[d->host];
    an_q_layer l = {.op = (an_q_op)h->op,
                    .groups = 1,
                    .h = h->out.h,
                    .w = h->out.w,
                    .c = h->out.c,
                    .kh = h->kh,
                    .kw = h->kw,
                    .sh = h->sh,
                    .sw = h->sw,
                    .pt = h->pt,
                    .pl = h->pl,
                    .scale = h->out.scale,
                    .zero_point = h->out.zero_point,
                    .act_min = h->act_min,
                    .act_max = h->act_max};
    memcpy(l.add_mult, h->add_mult, sizeof l.add_mult);
    memcpy(l.add_shift, h->add_shift, sizeof l.add_shift);
    const int64_t na = an_tensor_numel(&h->in[0]), nb = an_tensor_numel(&h->in[1]),
                  ny = an_tensor_numel(&h->out);
    for (int64_t i = 0; i < s->x->batch; i++) {
        const int8_t *x[2] = {(const int8_t *)s->dram + h->in[0].dram + i * na,
                              (const int8_t *)s->dram + h->in[1].dram + i * nb};
        an_q_ref_layer(&l, h->in, x, (int8_t *)s->dram + h->out.dram + i * ny);
    }
}

static an_status exec_step(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d) {
    an_npu_sim *s = ctx;
    if (s->hook) s->hook(s->hook_ctx, q, index, d);
    if (s->timing) npu_timing_step(s->timing, q, index, d, s->n_live, s->live_cols);
    s->count[q]++;
    switch (d->op) {
    case AN_ISA_LOAD:
    case AN_ISA_STORE:
        do_dma(s, d);
        break;
    case AN_ISA_PRELOAD:
        do_preload(s, d);
        break;
    case AN_ISA_GEMM:
        do_gemm(s, d);
        break;
    case AN_ISA_VEC:
        do_vec(s, d);
        break;
    case AN_ISA_HOST:
        do_host(s, d);
        break;
    default:
        break;
    }
    return AN_OK;
}

an_status an_npu_sim_run(an_npu_sim *s, const int8_t *in, int8_t *out) {
    const an_npu_exe *x = s->x;
    const an_tensor *to = &x->output;
    memset(s->count, 0, sizeof s->count);
    if (s->timing) npu_timing_reset(s->timing);
    memcpy(s->dram, x->data, (size_t)x->data_size);
    an_npu_write_input(x, in, s->dram);
    an_status st = npu_schedule(x->insns, x->n_insns, &x->cfg, x->source, exec_step, s);
    if (!st) memcpy(out, s->dram + to->dram, (size_t)x->batch * to->h * to->w * to->c);
    return st;
}
