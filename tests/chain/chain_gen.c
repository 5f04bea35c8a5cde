/*
** The random case generator: int8 graphs (conv with kernels 1-7, strides
** 1-3 and every padding form, a quarter of them grouped or depthwise, pools with and without
*padding, residual
** adds over branches, flatten, dense, 1-300 channels) with extreme
** quantization flavours, and chip configurations the validator accepts
** (arrays 1x1 to 64x64, non-square, buffers at or near their minimum,
** DRAM at its extremes, queue and token depths down to 1).
**
** Contract
** - ch_generate is a pure function of its seed (an_rng, PCG32): the same
**   seed gives the same case on every machine.
** - The work of a case is bounded (MACs per sample, weights, tensor
**   sizes) so that a case runs in milliseconds to a fraction of a second.
*/
#include "chain.h"

#include "asicnn/hw.h"

#include <stdio.h>
#include <string.h>

#define MAX_MACS    (1 << 20) /* per sample, whole graph */
#define MAX_WEIGHTS (1 << 19)
/* Reduction length whose accumulator bound K x 128 x 127 fits int32 (the
** validator's rule; the bias is clamped into what is left) */
#define MAX_K (INT32_MAX / (128 * 127))

typedef struct shape {
    int h, w, c;
} shape;

typedef struct gen {
    an_rng r;
    ch_case *k;
    shape t[CH_MAX_LAYERS + 1]; /* tensor shapes */
    int64_t macs;
} gen;

static int below(gen *g, int n) {
    return (int)an_rng_below(&g->r, (uint32_t)n);
}

static int chance(gen *g, int percent) {
    return below(g, 100) < percent;
}

/* A channel count: mostly small, sometimes up to 300. */
static int channels(gen *g) {
    const int p = below(g, 10);
    return p < 6 ? 1 + below(g, 16) : p < 9 ? 1 + below(g, 64) : 1 + below(g, 300);
}

/* Padding of one axis for a window k, stride s over n inputs: valid, same
** (TensorFlow's split), or explicit leading/trailing amounts below k. */
static void padding(gen *g, int n, int k, int s, int *lead, int *trail) {
    const int form = below(g, 3);
    if (form == 0) {
        *lead = *trail = 0;
    } else if (form == 1) {
        const int out = (n + s - 1) / s, total = (out - 1) * s + k - n;
        *lead = total > 0 ? total / 2 : 0;
        *trail = total > 0 ? total - *lead : 0;
        if (*trail >= k) *trail = k - 1;
    } else {
        *lead = below(g, k), *trail = below(g, k);
    }
    while (n + *lead + *trail < k) (*trail < k - 1 ? (*trail)++ : (*lead)++);
}

/* Output size of a window axis (the same formula as ch_build). */
static int out_size(int n, int k, int s, int lead, int trail) {
    return (n + lead + trail - k) / s + 1;
}

/* Fill a window layer's geometry over input shape in; 0 when it does not fit. */
static int window(gen *g, ch_layer *l, shape in, int kmax) {
    l->kh = 1 + below(g, kmax < in.h + 2 ? kmax : in.h + 2);
    l->kw = chance(g, 70) ? l->kh : 1 + below(g, kmax < in.w + 2 ? kmax : in.w + 2);
    if (l->kh > 7) l->kh = 7;
    if (l->kw > 7) l->kw = 7;
    l->sh = 1 + below(g, 3), l->sw = chance(g, 70) ? l->sh : 1 + below(g, 3);
    padding(g, in.h, l->kh, l->sh, &l->pt, &l->pb);
    padding(g, in.w, l->kw, l->sw, &l->pl, &l->pr);
    return l->pt < l->kh && l->pl < l->kw && l->pb < l->kh && l->pr < l->kw;
}

static ch_layer *push(gen *g, int op, int in0) {
    ch_layer *l = &g->k->layer[g->k->n];
    *l = (ch_layer){.op = op, .in0 = in0, .in1 = -1, .kh = 1, .kw = 1, .sh = 1, .sw = 1};
    l->seed = an_rng_u32(&g->r);
    if (chance(g, 30)) l->qx = (int)an_rng_below(&g->r, CH_QX_ALL + 1);
    return l;
}

/* Record layer n's output shape; returns its tensor id. */
static int commit(gen *g, shape s) {
    g->t[g->k->n + 1] = s;
    return ++g->k->n;
}

/* Make conv l over c input channels grouped or depthwise a quarter of the
** time (decided by bits of its parameter seed, so that the cases of a seed
** draw the same numbers as before); returns its groups. */
static int groups(ch_layer *l, int c, int same_shape) {
    const uint32_t h = (l->seed * 2654435761u) >> 7;
    if (c < 2 || h % 4) return 1;
    if (same_shape || h / 4 % 2) { /* depthwise, one or two outputs a channel */
        const int m = same_shape ? 1 : 1 + (int)(h / 8 % 2);
        l->groups = -m, l->c = m * c;
        return c;
    }
    int div[64], n = 0; /* the divisors of c above 1 */
    for (int d = 2; d <= c && n < 64; d++)
        if (c % d == 0) div[n++] = d;
    const int G = div[h / 8 % (uint32_t)n];
    l->groups = G;
    l->c = l->c / G * G > G ? l->c / G * G : G;
    return G;
}

static int add_conv(gen *g, int in, int same_shape) {
    const shape s = g->t[in];
    ch_layer *l = push(g, AN_Q_CONV2D, in);
    l->act = below(g, 3);
    if (same_shape) { /* stride 1, odd kernel, same padding: keeps h x w x c */
        l->c = s.c;
        l->kh = l->kw = 1 + 2 * below(g, 2);
        l->pt = l->pb = l->pl = l->pr = l->kh / 2;
    } else {
        l->c = channels(g);
        window(g, l, s, 7);
    }
    const int G = groups(l, s.c, same_shape);
    const shape o = {out_size(s.h, l->kh, l->sh, l->pt, l->pb),
                     out_size(s.w, l->kw, l->sw, l->pl, l->pr), l->c};
    const int64_t w = (int64_t)l->kh * l->kw * (s.c / G) * l->c;
    const int64_t macs = w * o.h * o.w;
    if (w > MAX_WEIGHTS || w / l->c > MAX_K || g->macs + macs > MAX_MACS) return -1;
    g->macs += macs;
    return commit(g, o);
}

static int add_pool(gen *g, int in, int same_shape) {
    const shape s = g->t[in];
    ch_layer *l = push(g, chance(g, 50) ? AN_Q_MAXPOOL : AN_Q_AVGPOOL, in);
    if (same_shape) {
        l->kh = l->kw = 3, l->pt = l->pb = l->pl = l->pr = 1;
    } else if (chance(g, 10)) { /* global */
        l->kh = s.h < 7 ? s.h : 7, l->kw = s.w < 7 ? s.w : 7;
        l->sh = l->kh, l->sw = l->kw;
    } else {
        window(g, l, s, 4);
    }
    const shape o = {out_size(s.h, l->kh, l->sh, l->pt, l->pb),
                     out_size(s.w, l->kw, l->sw, l->pl, l->pr), s.c};
    return commit(g, o);
}

static int add_dense(gen *g, int in) {
    const shape s = g->t[in];
    ch_layer *l = push(g, AN_Q_DENSE, in);
    l->act = below(g, 3);
    l->c = channels(g);
    const int64_t k = (int64_t)s.h * s.w * s.c;
    if (k * l->c > MAX_WEIGHTS || k > MAX_K || g->macs + k * l->c > MAX_MACS) return -1;
    g->macs += k * l->c;
    return commit(g, (shape){1, 1, l->c});
}

static int add_flatten(gen *g, int in) {
    const shape s = g->t[in];
    push(g, AN_Q_FLATTEN, in);
    return commit(g, (shape){1, 1, s.h * s.w * s.c});
}

/* A residual block: a branch of one or two shape-keeping layers from in,
** then add(in, branch) (or add(in, in), or an earlier tensor of the same
** shape). */
static int add_residual(gen *g, int in) {
    int other = in;
    const int form = below(g, 8);
    if (form == 0) {
        for (int t = in - 1; t >= 0; t--)
            if (!memcmp(&g->t[t], &g->t[in], sizeof(shape))) {
                other = t;
                break;
            }
    } else if (form > 1) {
        const int steps = 1 + below(g, 2);
        for (int i = 0; i < steps && other >= 0; i++) {
            if (g->k->n + 3 > CH_MAX_LAYERS) return -1;
            other = chance(g, 70) ? add_conv(g, other, 1) : add_pool(g, other, 1);
        }
        if (other < 0) return -1;
    }
    ch_layer *l = push(g, AN_Q_ADD, chance(g, 50) ? in : other);
    l->in1 = l->in0 == in ? other : in;
    l->act = below(g, 2);
    return commit(g, g->t[in]);
}

/* A power of two in [lo, hi] (both powers of two). */
static int pow2_in(gen *g, int lo, int hi) {
    int n = 0;
    while ((lo << (n + 1)) <= hi) n++;
    return lo << below(g, n + 1);
}

static void gen_chip(gen *g, an_npu_config *c) {
    an_npu_config_get("npu16", c);
    snprintf(c->name, sizeof c->name, "chain%llu", (unsigned long long)g->k->seed);
    c->rows = pow2_in(g, 1, 64);
    c->cols = chance(g, 30) ? c->rows : pow2_in(g, 1, 64);
    c->vec_lanes = pow2_in(g, 1, c->cols);
    const int64_t R = c->rows, C = c->cols, row = R > C ? R : C;
    /* each buffer at its minimum (a fifth of the time) or up to 64 times it */
    const int64_t act_min = (8 * row + R - 1) / R * R, wgt_min = 2 * R * C, acc_min = 64 * C;
    c->act_bytes = act_min * (chance(g, 20) ? 1 : 1 + below(g, 64));
    c->wgt_bytes = wgt_min * (chance(g, 20) ? 1 : 1 + below(g, 64));
    c->acc_bytes = acc_min * (chance(g, 20) ? 1 : 1 + below(g, 64));
    static const double bw[] = {0.001, 0.25, 1, 3.5, 16, 65536};
    c->dram_bytes_per_cycle = chance(g, 50) ? bw[below(g, 6)] : 1 + below(g, 64);
    static const int lat[] = {0, 1, 1000000};
    c->dram_latency = chance(g, 40) ? lat[below(g, 3)] : below(g, 200);
    c->dram_burst = pow2_in(g, 1, 65536);
    c->insn_depth = chance(g, 30) ? 1 : 1 + below(g, 64);
    c->token_depth = chance(g, 30) ? 1 : 1 + below(g, 16);
    c->clock_mhz = 1 + below(g, 2000);
    c->tech_nm = 1 + below(g, 1000);
}

void ch_generate(uint64_t seed, ch_case *k) {
    memset(k, 0, sizeof *k);
    gen G = {.k = k}, *g = &G;
    an_rng_seed(&g->r, seed, 17);
    k->seed = seed;
    k->h = 1 + below(g, chance(g, 70) ? 12 : 24);
    k->w = chance(g, 60) ? k->h : 1 + below(g, 24);
    k->c = chance(g, 85) ? 1 + below(g, 8) : channels(g);
    static const int zps[] = {-128, 127, 0};
    k->in_zp = chance(g, 30) ? zps[below(g, 3)] : below(g, 256) - 128;
    k->in_scale = 0.001f + an_rng_uniform(&g->r);
    g->t[0] = (shape){k->h, k->w, k->c};
    const int want = 1 + below(g, chance(g, 80) ? 6 : 14);
    int cur = 0;
    for (int tries = 0; k->n < want && k->n < CH_MAX_LAYERS - 1 && tries < 4 * want; tries++) {
        const int save = k->n;
        const int64_t macs = g->macs;
        const int spatial = g->t[cur].h > 1 || g->t[cur].w > 1;
        const int p = below(g, 100);
        int t;
        if (p < 40)
            t = add_conv(g, cur, 0);
        else if (p < 55 && spatial)
            t = add_pool(g, cur, 0);
        else if (p < 72)
            t = add_residual(g, cur);
        else if (p < 80 && spatial)
            t = add_flatten(g, cur);
        else if (p < 92)
            t = add_dense(g, cur);
        else
            t = add_conv(g, cur, 1);
        if (t < 0) { /* over budget: undo */
            k->n = save, g->macs = macs;
            continue;
        }
        cur = t;
    }
    if (k->n == 0) add_flatten(g, 0);
    gen_chip(g, &k->chip);
    k->batch = chance(g, 60) ? 1 : 1 + below(g, 4);
    k->conv = below(g, 3);
    if (chance(g, 15))
        k->host_ops = (chance(g, 50) ? 1u << AN_Q_ADD : 0) |
                      (chance(g, 50) ? 1u << AN_Q_MAXPOOL | 1u << AN_Q_AVGPOOL : 0);
    k->no_fuse = chance(g, 20);
    k->input_seed = an_rng_u32(&g->r);
    if (chance(g, 2)) { /* errors the compiler must report, not crash on */
        k->expect_error = chance(g, 50) ? CH_EXPECT_CONV_ON_HOST : CH_EXPECT_BATCH;
        if (k->expect_error == CH_EXPECT_BATCH) k->batch = chance(g, 50) ? 0 : 65537;
    }
}

int ch_use_rtl(ch_case *k) {
    an_npu_config c;
    if (an_npu_config_get(CH_RTL_CHIP, &c) != AN_OK || !an_hw_rtl_available(&c, NULL)) return 0;
    k->chip = c;
    k->host_ops = 0;
    k->rtl = 1;
    return 1;
}
