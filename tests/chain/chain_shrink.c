/*
** Shrinking a failing case to a minimal reproducer: greedy, one reduction
** at a time (drop a layer, halve or decrement a shape, a channel count, a
** kernel, a stride, a padding; plain quantization; a smaller array; batch
** 1; default options; the chip stays when the case runs on the RTL), each kept only when the case
*still fails the same
** way (ch_same_failure), until no reduction applies.
**
** Contract
** - ch_shrink checks at most max_tries candidates; the case it leaves
**   fails like the original (every accepted step was checked).
*/
#include "chain.h"

#include <string.h>

/* Remove layer i: later references to its output go to its first input. */
static int drop_layer(ch_case *k, int i) {
    if (k->n <= 1 || i >= k->n) return 0;
    const int gone = i + 1, to = k->layer[i].in0;
    for (int j = i + 1; j < k->n; j++) {
        ch_layer *l = &k->layer[j];
        int *ref[2] = {&l->in0, &l->in1};
        for (int q = 0; q < 2; q++) {
            if (*ref[q] == gone)
                *ref[q] = to;
            else if (*ref[q] > gone)
                (*ref[q])--;
        }
    }
    memmove(&k->layer[i], &k->layer[i + 1], sizeof k->layer[0] * (size_t)(k->n - i - 1));
    k->n--;
    return 1;
}

/* Smaller value of *v (>= lo): halved, or less one. */
static int smaller(int *v, int lo, int half) {
    const int n = half ? (*v + lo) / 2 : *v - 1;
    if (n < lo || n >= *v) return 0;
    *v = n;
    return 1;
}

/* Buffers rounded up to what the validator accepts for the array. */
static void fix_chip(an_npu_config *c) {
    const int64_t R = c->rows, C = c->cols, row = R > C ? R : C;
    if (c->vec_lanes > C) c->vec_lanes = (int32_t)C;
    if (c->act_bytes < 8 * row) c->act_bytes = 8 * row;
    c->act_bytes = (c->act_bytes + R - 1) / R * R;
    if (c->wgt_bytes < 2 * R * C) c->wgt_bytes = 2 * R * C;
    c->wgt_bytes = (c->wgt_bytes + R * C - 1) / (R * C) * (R * C);
    if (c->acc_bytes < 64 * C) c->acc_bytes = 64 * C;
    c->acc_bytes = (c->acc_bytes + 4 * C - 1) / (4 * C) * (4 * C);
}

/* Reduction number `which` applied to k; 0 when it does not apply. The
** reductions are numbered case-wide first, then per layer. */
enum { GLOBAL_STEPS = 14, LAYER_STEPS = 16 };
static int reduce(ch_case *k, int which) {
    an_npu_config *c = &k->chip;
    if (which < GLOBAL_STEPS) {
        switch (which) {
        case 0:
            return k->batch > 1 ? (k->batch = 1) : 0;
        case 1:
            return smaller(&k->h, 1, 1);
        case 2:
            return smaller(&k->w, 1, 1);
        case 3:
            return smaller(&k->c, 1, 1);
        case 4:
            return smaller(&k->h, 1, 0);
        case 5:
            return smaller(&k->w, 1, 0);
        case 6:
            return smaller(&k->c, 1, 0);
        case 7:
            return k->host_ops ? (k->host_ops = 0, 1) : 0;
        case 8:
            return k->no_fuse ? (k->no_fuse = 0, 1) : 0;
        case 9:
            return k->conv ? (k->conv = 0, 1) : 0;
        case 10:
            return c->rows > 1 && !k->rtl ? (c->rows /= 2, fix_chip(c), 1) : 0;
        case 11:
            return c->cols > 1 && !k->rtl ? (c->cols /= 2, fix_chip(c), 1) : 0;
        case 12:
            return k->in_zp ? (k->in_zp = 0, 1) : 0;
        default:
            return c->dram_latency > 0 && !k->rtl ? (c->dram_latency = 0, 1) : 0;
        }
    }
    which -= GLOBAL_STEPS;
    const int i = which / LAYER_STEPS;
    if (i >= k->n) return -1; /* past the last reduction */
    ch_layer *l = &k->layer[i];
    switch (which % LAYER_STEPS) {
    case 0:
        return drop_layer(k, i);
    case 1:
        return smaller(&l->c, 1, 1);
    case 2:
        return smaller(&l->c, 1, 0);
    case 3:
        return l->qx ? (l->qx = 0, 1) : 0;
    case 4:
        return l->act ? (l->act = 0, 1) : 0;
    case 5:
        return l->sh > 1 ? (l->sh = 1) : 0;
    case 6:
        return l->sw > 1 ? (l->sw = 1) : 0;
    case 7:
        return l->pt ? (l->pt = 0, 1) : 0;
    case 8:
        return l->pb ? (l->pb = 0, 1) : 0;
    case 9:
        return l->pl ? (l->pl = 0, 1) : 0;
    case 10:
        return l->pr ? (l->pr = 0, 1) : 0;
    case 11: /* a smaller kernel keeps its padding inside the window */
        if (!smaller(&l->kh, 1, 0)) return 0;
        if (l->pt >= l->kh) l->pt = l->kh - 1;
        if (l->pb >= l->kh) l->pb = l->kh - 1;
        return 1;
    case 12:
        if (!smaller(&l->kw, 1, 0)) return 0;
        if (l->pl >= l->kw) l->pl = l->kw - 1;
        if (l->pr >= l->kw) l->pr = l->kw - 1;
        return 1;
    case 13:
        return l->op == AN_Q_ADD && l->in1 != l->in0 ? (l->in1 = l->in0, 1) : 0;
    case 14:
        return l->qx & CH_QX_WEIGHTS ? (l->qx &= ~CH_QX_WEIGHTS, 1) : 0;
    default:
        return l->seed ? (l->seed = 0, 1) : 0;
    }
}

int ch_shrink(ch_case *k, ch_result *r, int timeout_s, int max_tries) {
    int accepted = 0, tries = 0, progress = 1;
    while (progress && tries < max_tries) {
        progress = 0;
        for (int which = 0; tries < max_tries; which++) {
            ch_case t = *k;
            const int a = reduce(&t, which);
            if (a < 0) break;
            if (!a) continue;
            an_q_graph g;
            if (ch_build(&t, &g) != CH_BUILD_OK) continue; /* does not fit: skip, no run */
            an_q_graph_free(&g);
            ch_result tr;
            tries++;
            ch_check(&t, timeout_s, &tr);
            if (ch_same_failure(&tr, r)) {
                *k = t, *r = tr;
                accepted++, progress = 1;
                which--; /* the same reduction may apply again */
            }
        }
    }
    return accepted;
}
