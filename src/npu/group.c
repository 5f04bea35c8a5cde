/*
** Grouped and depthwise convolution (an_q_layer.groups > 1) in the
** compiler: the layer runs as the ordinary convolution whose OHWI weights
** over all in_c input channels are zero off the groups (output channel oc
** reads only group oc / (c / G)'s in_c / G channels), so every lowering,
** tile, split and fusion of an ordinary conv applies unchanged.
**
** Contract
** - npu_weight gives that expanded weight: the layer's own where the input
**   channel lies in the output channel's group, else 0.
** - The channel window (kpos without packing, several channel blocks per
**   pixel): output block ob's C channels read only the channel blocks their
**   groups cover, gcb of them from npu_group_cb0(ob), so a block costs
**   kh x kw x gcb PRELOAD + GEMM pairs instead of kh x kw x ncb (depthwise:
**   one channel block, the weight tile a diagonal; a group of at least R
**   input channels: the group's own blocks, whole tiles). The input tile
**   holds every channel block of a pixel (one DMA of whole pixels for all
**   output blocks), or (gload) only the windows of a group of gload output
**   blocks, loaded again for each group (narrower DMA elements, but more
**   pixels a tile: the tile pass costs both). Loading whole pixels, or a
**   group of several blocks, the reduction is never split by channel blocks
**   (kernel rows and columns still split). Ungrouped, gcb = ncb and the
**   window is all of them.
*/
#include "compile_internal.h"

static int64_t cdiv64(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

int npu_groups(const an_q_layer *l) {
    return l->op == AN_Q_CONV2D && l->groups > 1 ? l->groups : 1;
}

int8_t npu_weight(const an_q_layer *l, int ic, int64_t oc, int64_t kk) {
    const int G = npu_groups(l);
    if (G == 1) return l->weights[oc * l->k + kk];
    const int64_t icg = ic / G, ocg = l->c / G;
    const int64_t cell = kk / ic, ch = kk % ic, g = oc / ocg;
    if (ch / icg != g) return 0;
    return l->weights[oc * l->k + cell * icg + ch - g * icg];
}

/* Channel blocks [*lo, *hi) that output block ob of o reads (its groups'). */
static void block_range(const cprog *p, const cop *o, int ob, int64_t *lo, int64_t *hi) {
    const int64_t R = p->cfg->rows, C = p->cfg->cols;
    const int G = npu_groups(&p->g->layers[o->layer]);
    const int64_t icg = o->ic / G, ocg = o->oc / G;
    const int64_t c0 = ob * C, c1 = c0 + C < o->oc ? c0 + C : o->oc;
    *lo = c0 / ocg * icg / R;
    *hi = cdiv64(((c1 - 1) / ocg + 1) * icg, R);
}

int npu_group_window(const cprog *p, const cop *o) {
    if (o->kind != COP_CONV || npu_groups(&p->g->layers[o->layer]) == 1 || o->ncb <= 1)
        return o->ncb;
    int64_t most = 1;
    for (int ob = 0; ob < o->nob; ob++) {
        int64_t lo, hi;
        block_range(p, o, ob, &lo, &hi);
        if (hi - lo > most) most = hi - lo;
    }
    return (int)(most < o->ncb ? most : o->ncb);
}

int npu_group_cb0(const cprog *p, const cop *o, int ob) {
    if (o->gcb >= o->ncb) return 0;
    int64_t lo, hi;
    block_range(p, o, ob, &lo, &hi);
    return (int)(lo < o->ncb - o->gcb ? lo : o->ncb - o->gcb);
}

void npu_group_candidates(cprog *p, int k, cop *alt, int n) {
    const cop *o = &p->ops[k];
    cop *cand = p->cand + (int64_t)k * NPU_TILE_CANDS;
    for (int i = 1; i < n; i++) /* by estimate */
        for (int j = i; j > 0 && alt[j].cost < alt[j - 1].cost; j--) {
            const cop t = alt[j];
            alt[j] = alt[j - 1], alt[j - 1] = t;
        }
    for (int i = 0; i < n && p->n_cand[k] < NPU_TILE_CANDS; i++)
        if (alt[i].gload != o->gload) cand[p->n_cand[k]++] = alt[i];
}

int npu_group_span(const cprog *p, const cop *o, int per) {
    int most = 0;
    for (int a = 0; a < o->nob; a += per) {
        const int last = a + per < o->nob ? a + per - 1 : o->nob - 1;
        const int w = npu_group_cb0(p, o, last) + o->gcb - npu_group_cb0(p, o, a);
        if (w > most) most = w;
    }
    return most;
}
