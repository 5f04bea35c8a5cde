/*
** Compiler passes lower, fuse and tile.
**
** lower: each int8 layer becomes a chip op. conv2d is a GEMM over output
** pixels x (kh*kw*in_c) x out_c; dense is the same GEMM on a 1 x batch
** "image" of K channels, so the batch fills the array's streaming
** dimension. Pools and adds run on the vector unit, flatten is an alias of
** its input's DRAM bytes, and what the chip cannot run (or the options send
** away) becomes a host operator (ggml-style supports_op).
** fuse: a pool whose only input is a conv/dense output read by nothing else
** joins that conv: its pixels never leave the accumulators. So does a
** residual add of such a conv output and another tensor (the other tensor's
** tile is loaded beside the conv's), and a pool that reads only that add.
** tile: the largest final-output tile whose input tile, accumulator rows
** and int8 staging fit the buffers; for conv, both lowerings are tiled
** and costed (array passes vs DMA bytes and instructions) unless forced;
** each op keeps a few candidates for the tile search (search.c), which
** times them and settles the tiles (npu_tile_settle, npu_tile_handoff).
*/
#include "compile_internal.h"

#include <stdio.h>
#include <string.h>

an_tensor npu_tinfo(const cprog *p, int t) {
    return an_q_tensor_info(p->g, t);
}

int64_t npu_in_ystride(const cprog *p, const cop *o) {
    const int64_t w = o->dsh > 1 || o->dsw > 1 ? npu_tinfo(p, o->in_t).w : o->iw;
    return (int64_t)o->dsh * w * o->ic;
}

int64_t npu_in_xstride(const cop *o) {
    return (int64_t)o->dsw * o->ic;
}

static int cdiv(int64_t a, int64_t b) {
    return (int)((a + b - 1) / b);
}

/* Whether the vector unit can run pool layer l (fields of the VEC format). */
static int pool_supported(const an_q_layer *l, const an_tensor *in) {
    return l->kh <= AN_ISA_UMAX(VEC, kh) && l->kw <= AN_ISA_UMAX(VEC, kw) &&
           l->sh <= AN_ISA_UMAX(VEC, sh) && l->sw <= AN_ISA_UMAX(VEC, sw) &&
           l->pt <= AN_ISA_SMAX(VEC, oy) && l->pl <= AN_ISA_SMAX(VEC, ox) &&
           in->h <= AN_ISA_UMAX(VEC, gh) && in->w <= AN_ISA_UMAX(VEC, gw) &&
           l->h <= AN_ISA_UMAX(VEC, oh) && l->w <= AN_ISA_UMAX(VEC, ow);
}

an_status npu_pass_lower(cprog *p) {
    const an_q_graph *g = p->g;
    for (int i = 0; i < g->n_layers; i++) {
        const an_q_layer *l = &g->layers[i];
        const an_tensor in = npu_tinfo(p, l->in[0]);
        cop *o = &p->ops[p->n_ops++];
        *o = (cop){.layer = i,
                   .pool_layer = -1,
                   .add_layer = -1,
                   .nb = p->B,
                   .in_t = l->in[0],
                   .in2_t = l->in[1],
                   .out_t = i + 1,
                   .ih = in.h,
                   .iw = in.w,
                   .ic = in.c,
                   .oh = l->h,
                   .ow = l->w,
                   .oc = l->c,
                   .kh = 1,
                   .kw = 1,
                   .sh = 1,
                   .sw = 1,
                   .dsh = 1,
                   .dsw = 1,
                   .fh = l->h,
                   .fw = l->w};
        const int host = (p->o.host_ops >> l->op) & 1;
        switch (l->op) {
        case AN_Q_CONV2D:
            o->kind = COP_CONV;
            o->kh = l->kh, o->kw = l->kw, o->sh = l->sh, o->sw = l->sw, o->pt = l->pt,
            o->pl = l->pl;
            /* a strided 1x1 conv without padding reads only every sh-th row
               and sw-th column: a stride-1 conv of that view (ResNet's
               downsampling convs load a quarter of their input); not on the
               network input, whose host-written layout follows the layer */
            if (l->kh == 1 && l->kw == 1 && !l->pt && !l->pl && (l->sh > 1 || l->sw > 1) &&
                l->groups <= 1 && o->in_t != 0 && (int64_t)(l->h - 1) * l->sh < in.h &&
                (int64_t)(l->w - 1) * l->sw < in.w) {
                o->dsh = l->sh, o->dsw = l->sw, o->sh = o->sw = 1;
                o->ih = l->h, o->iw = l->w;
            }
            break;
        case AN_Q_DENSE: /* [B, K] as a 1 x B image with K channels */
            o->kind = COP_CONV;
            o->nb = 1, o->ih = 1, o->iw = p->B, o->ic = l->k, o->oh = 1, o->ow = p->B;
            o->fh = 1, o->fw = p->B;
            break;
        case AN_Q_MAXPOOL:
        case AN_Q_AVGPOOL:
            o->kind = host || !pool_supported(l, &in) ? COP_HOST : COP_POOL;
            o->oh = in.h, o->ow = in.w, o->oc = in.c; /* the identity "conv" before the pool */
            o->pavg = l->op == AN_Q_AVGPOOL;
            o->pkh = l->kh, o->pkw = l->kw, o->psh = l->sh, o->psw = l->sw, o->ppt = l->pt,
            o->ppl = l->pl;
            break;
        case AN_Q_ADD:
            o->kind = host ? COP_HOST : COP_ADD;
            break;
        default: /* flatten */
            o->kind = COP_ALIAS;
            break;
        }
        if ((l->op == AN_Q_CONV2D || l->op == AN_Q_DENSE) && host)
            return an_fail(AN_ERR_UNSUPPORTED,
                           "%s: layer %d (%s): %s must run on the chip (the host runs only "
                           "pools and adds)",
                           g->source, i, l->name, AN_Q_OP_NAME[l->op]);
        o->mode = o->kind == COP_HOST    ? AN_NPU_MODE_HOST
                  : o->kind == COP_ALIAS ? AN_NPU_MODE_ALIAS
                  : o->kind == COP_CONV  ? (p->o.conv == AN_NPU_CONV_IM2COL && l->op == AN_Q_CONV2D
                                                ? AN_NPU_MODE_IM2COL
                                                : AN_NPU_MODE_KPOS)
                                         : AN_NPU_MODE_VECTOR;
        o->forced = p->o.conv != AN_NPU_CONV_AUTO || l->op == AN_Q_DENSE;
    }
    return AN_OK;
}

/* Layers that read tensor t. */
static int readers(const an_q_graph *g, int t) {
    int n = 0;
    for (int i = 0; i < g->n_layers; i++)
        n += (g->layers[i].in[0] == t) + (g->layers[i].in[1] == t);
    return n;
}

/* Conv op c takes pool op q (its only reader) into its epilogue. */
static void fuse_pool(cop *c, cop *q) {
    c->pool_layer = q->layer;
    c->pavg = q->pavg, c->pkh = q->pkh, c->pkw = q->pkw, c->psh = q->psh, c->psw = q->psw;
    c->ppt = q->ppt, c->ppl = q->ppl;
    c->fh = q->fh, c->fw = q->fw;
    c->out_t = q->out_t;
    q->kind = COP_FUSED;
    q->mode = AN_NPU_MODE_FUSED;
}

an_status npu_pass_fuse(cprog *p) {
    if (p->o.no_fuse) return AN_OK;
    const an_q_graph *g = p->g;
    for (int k = 0; k + 1 < p->n_ops; k++) {
        cop *c = &p->ops[k], *q = &p->ops[k + 1];
        if (c->kind != COP_CONV || g->layers[c->layer].op != AN_Q_CONV2D ||
            readers(g, c->out_t) != 1)
            continue;
        if (q->kind == COP_ADD && (q->in_t == c->out_t) != (q->in2_t == c->out_t)) {
            c->add_layer = q->layer;
            c->add_side = q->in2_t == c->out_t;
            c->skip_t = c->add_side ? q->in_t : q->in2_t;
            c->out_t = q->out_t;
            q->kind = COP_FUSED;
            q->mode = AN_NPU_MODE_FUSED;
            if (k + 2 >= p->n_ops || readers(g, c->out_t) != 1) continue;
            q = &p->ops[k + 2];
        }
        if (q->kind == COP_POOL && q->in_t == c->out_t) fuse_pool(c, q);
    }
    return AN_OK;
}

/* Conv-output rows (or columns) [*c0, *c1) that final rows [f0, f0 + n) need. */
void npu_span(const cop *o, int vertical, int f0, int n, int *c0, int *c1) {
    const int has_pool = o->kind == COP_POOL || o->pool_layer >= 0;
    const int ps = vertical ? o->psh : o->psw, pk = vertical ? o->pkh : o->pkw;
    const int pp = vertical ? o->ppt : o->ppl, lim = vertical ? o->oh : o->ow;
    if (!has_pool) {
        *c0 = f0, *c1 = f0 + n;
        return;
    }
    const int a = f0 * ps - pp, b = (f0 + n - 1) * ps - pp + pk;
    *c0 = a < 0 ? 0 : a;
    *c1 = b > lim ? lim : b;
}

/* Largest conv-output span any final span of n rows needs. */
int npu_max_span(const cop *o, int vertical, int n) {
    int best = 0;
    const int lim = vertical ? o->fh : o->fw;
    for (int f0 = 0; f0 < lim; f0 += n) {
        int c0, c1;
        npu_span(o, vertical, f0, n < lim - f0 ? n : lim - f0, &c0, &c1);
        if (c1 - c0 > best) best = c1 - c0;
    }
    return best;
}

int64_t npu_param_rows(const cop *o) {
    return o->kind == COP_ADD    ? NPU_ADD_PRM_ROWS
           : o->kind == COP_CONV ? 3 * (int64_t)(o->prm_resident ? o->nob : 1) +
                                       (o->add_layer >= 0 ? NPU_FADD_PRM_ROWS : 0)
                                 : 0;
}

int64_t npu_prm_base(const cprog *p, const cop *o) {
    return o->prm_top ? an_npu_acc_rows(p->cfg) - npu_param_rows(o) : 0;
}

int64_t npu_slot_base(const cop *o) {
    return o->prm_top ? o->next_rows : npu_param_rows(o);
}

int64_t npu_free_rows(const cprog *p, const cop *o) {
    return an_npu_acc_rows(p->cfg) - npu_param_rows(o) - o->next_rows;
}

const cop *npu_next_conv(const cprog *p, int k) {
    for (int j = k + 1; j < p->n_ops; j++) {
        const cop *q = &p->ops[j];
        if (q->kind == COP_FUSED || q->kind == COP_ALIAS) continue;
        return q->kind == COP_CONV ? q : NULL;
    }
    return NULL;
}

/* The op before op k past fused ops and aliases, or NULL. */
static const cop *prev_op(const cprog *p, int k) {
    for (int j = k - 1; j >= 0; j--)
        if (p->ops[j].kind != COP_FUSED && p->ops[j].kind != COP_ALIAS) return &p->ops[j];
    return NULL;
}

int64_t npu_slot_rows(const cop *o, int64_t pix, int64_t fpix) {
    const int has_pool = o->kind == COP_POOL || o->pool_layer >= 0;
    return o->add_layer >= 0 ? 2 * pix : pix + (has_pool ? fpix : 0);
}

int npu_tile_fits(const cprog *p, const cop *o, int mode, int th, int tw, int64_t cost[2]) {
    const an_npu_config *c = p->cfg;
    const int64_t R = c->rows, C = c->cols;
    const int cth = npu_max_span(o, 1, th), ctw = npu_max_span(o, 0, tw);
    const int64_t acc_rows = npu_free_rows(p, o);
    const int64_t pix = (int64_t)cth * ctw, fpix = (int64_t)th * tw;
    /* (a load group's blocks hold their sums at once) */
    const int64_t slot = npu_slot_rows(o, pix * (o->gload > 1 ? o->gload : 1), fpix);
    /* staging: the int8 output (after a fused add, the other input's tile first) */
    const int64_t stage = (fpix + (o->add_layer >= 0 ? pix : 0)) * C;
    if (slot > acc_rows || stage > p->stage_half || pix > AN_ISA_UMAX(VEC, n) ||
        fpix > AN_ISA_UMAX(VEC, n) || cth > AN_ISA_UMAX(VEC, gh) || ctw > AN_ISA_UMAX(VEC, gw))
        return 0;
    int64_t in_bytes;
    int whole = 1; /* the reduction is one chunk */
    if (o->kind == COP_POOL) {
        in_bytes = pix * C;
    } else if (mode == AN_NPU_MODE_IM2COL || mode == AN_NPU_MODE_IM2COL_IN) {
        in_bytes = pix * o->kr * R;
        if (mode == AN_NPU_MODE_IM2COL_IN && (int64_t)o->kr * R > AN_ISA_UMAX(DMA, xbytes))
            return 0;     /* one pixel's rows are one DMA element */
    } else if (o->ires) { /* kpos, the whole input resident: it fits */
        const int64_t b = npu_kpos_whole_bytes(p, o);
        if (b < 0 || b > o->ires * p->in_half) return 0;
        /* weights that stream per tile load once only with one tile */
        if (!o->wgrp &&
            (int64_t)o->nob * o->kh * npu_kw_groups(o) * o->gcb * R > p->wgt_half_rows &&
            (th < o->fh || tw < o->fw))
            return 0;
        in_bytes = 0;
    } else { /* kpos: the window, or its reduction in chunks, fits (chunk.c) */
        int rk[3];
        if (!npu_kpos_split(p, o, cth, ctw, o->split, rk)) return 0;
        whole = rk[0] == o->kh && rk[1] == o->kw && rk[2] == o->gcb && !o->gload;
        in_bytes = 0;
    }
    if (in_bytes > p->in_half) return 0;
    cost[0] = npu_conv_cost(p, o, mode, th, tw, 0);
    cost[1] = o->kind == COP_CONV && whole && 2 * slot <= acc_rows
                  ? npu_conv_cost(p, o, mode, th, tw, 1)
                  : -1;
    return 1;
}

/* Whether a th x tw final tile fits; *cost gets the op's estimated cycles
** and *dbl whether they are least with two accumulator slots. */
static int fits(const cprog *p, const cop *o, int mode, int th, int tw, int64_t *cost, int *dbl) {
    int64_t c[2];
    if (!npu_tile_fits(p, o, mode, th, tw, c)) return 0;
    *dbl = c[1] >= 0 && c[1] < c[0];
    *cost = c[*dbl];
    return 1;
}

/* The error for a layer no tile of which fits, even with its pool run on
** its own and its reduction split into chunks of one row: the buffer and
** the smallest size that holds one output pixel (accumulators: 3 parameter
** rows and the pixel's row; activations: 8 rows of max(R, C), so that a
** staging eighth holds the pixel and an input half a row of R); when both
** hold that, an instruction field cannot address the pixel. */
static an_status no_tile(const cprog *p, const cop *o) {
    const an_npu_config *c = p->cfg;
    const an_q_layer *l = &p->g->layers[o->layer];
    const int64_t R = c->rows, C = c->cols, row = R > C ? R : C;
    const int64_t acc = 4 * 4 * C, act = 8 * row;
    if (acc <= c->acc_bytes && act <= c->act_bytes)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: layer %d (%s): no tile of its output fits chip %s: the instruction "
                       "fields cannot address one output pixel (%dx%d kernel, stride %dx%d, %d "
                       "input channels)",
                       p->g->source, o->layer, l->name, c->name, o->kh, o->kw, o->sh, o->sw, o->ic);
    const int short_acc = acc > c->acc_bytes;
    return an_fail(AN_ERR_UNSUPPORTED,
                   "%s: layer %d (%s): no tile of its output fits chip %s: one output pixel "
                   "needs the %s buffer to hold at least %lld bytes (%s = %g)",
                   p->g->source, o->layer, l->name, c->name,
                   short_acc ? "accumulator" : "activation", (long long)(short_acc ? acc : act),
                   short_acc ? "acc_kib" : "act_kib",
                   (short_acc ? c->acc_bytes : c->act_bytes) / 1024.0);
}

/* The tile for a mode: the most pixels (then the widest) among those whose
** closed-form estimate is within 1/8 of the cheapest, since every tile also
** pays what the estimate leaves out (instruction issue, the array's fill
** and drain per block); 0 if none fits. Tiles grow monotonically in height
** until they stop fitting. */
static int best_tile(const cprog *p, const cop *o, int mode, int *th, int *tw, int64_t *cost,
                     int *dbl) {
    int64_t least = -1, best_px = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int w = o->fw; w >= 1; w--)
            for (int h = 1; h <= o->fh; h++) {
                int64_t cst;
                int d;
                if (!fits(p, o, mode, h, w, &cst, &d)) break;
                const int64_t px = (int64_t)h * w;
                if (pass == 0 && (least < 0 || cst < least)) least = cst;
                if (pass == 1 && cst <= least + least / 8 && px > best_px)
                    best_px = px, *th = h, *tw = w, *cost = cst, *dbl = d;
            }
    return best_px > 0;
}

/* Whether conv o's lowering is the compiler's choice (no --conv). */
static int auto_conv(const cprog *p, const cop *o) {
    return o->kind == COP_CONV && !o->forced && p->g->layers[o->layer].op == AN_Q_CONV2D;
}

/* Whether the host may write conv o's input in a layout of its own: the
** compiler chooses o's lowering and o alone reads the network input. */
static int host_input(const cprog *p, const cop *o) {
    return auto_conv(p, o) && o->in_t == 0 && readers(p->g, 0) == 1;
}

int npu_mode_allowed(const cprog *p, const cop *o, int mode) {
    if (mode == o->mode) return 1;
    if (mode == AN_NPU_MODE_IM2COL) return auto_conv(p, o);
    if (mode == AN_NPU_MODE_IM2COL_IN) return host_input(p, o);
    return mode == AN_NPU_MODE_KPOS && auto_conv(p, o);
}

/* The lowering and tile of conv or pool op o (*th x *tw final pixels, *cost
** cycles); 0 if none fits. The cheapest of the lowerings the options allow;
** when that does not fit, any lowering that does, then parameters loaded
** per output block (all of them would crowd the accumulators), then a kpos
** reduction split into chunks that fit an input half. */
static int choose(cprog *p, cop *o, int *th, int *tw, int64_t *cost) {
    const an_q_layer *l = &p->g->layers[o->layer];
    int th2 = 0, tw2 = 0, dbl2 = 0;
    int64_t cost2 = 0;
    o->prm_resident = 1, o->split = 0, o->dbl = 0;
    int ok = best_tile(p, o, o->mode, th, tw, cost, &o->dbl);
    /* the other lowerings, when the options leave the choice: im2col by
       DMA, and im2col rows written by the host when the conv alone reads
       the network input */
    const int alt[2] = {AN_NPU_MODE_IM2COL, AN_NPU_MODE_IM2COL_IN};
    for (int a = 0; a < 2; a++)
        if (npu_mode_allowed(p, o, alt[a]) && best_tile(p, o, alt[a], &th2, &tw2, &cost2, &dbl2) &&
            (!ok || cost2 < *cost)) {
            o->mode = alt[a];
            *th = th2, *tw = tw2, *cost = cost2, o->dbl = dbl2, ok = 1;
        }
    /* a kpos reduction split into chunks even where the whole window fits,
       when that costs less: larger tiles, each chunk feeding the partial
       sums of every output block, so weights that stream load once per
       tile, not once per small tile (ResNet-18's stage 4 on vta-pynq) */
    if (ok && o->mode == AN_NPU_MODE_KPOS && o->kind == COP_CONV && o->add_layer < 0) {
        const cop keep = *o;
        o->split = 1;
        if (best_tile(p, o, AN_NPU_MODE_KPOS, &th2, &tw2, &cost2, &dbl2) && cost2 < *cost)
            *th = th2, *tw = tw2, *cost = cost2, o->dbl = dbl2;
        else
            *o = keep;
    }
    for (int split = 0; split < 2 && !ok && o->kind == COP_CONV; split++)
        for (int r = 0; r < 2 && !ok; r++) {
            o->prm_resident = r == 0, o->split = split;
            for (int m = 0; m < 2 - split && !ok; m++) {
                const int mode = m == 0 ? AN_NPU_MODE_KPOS : AN_NPU_MODE_IM2COL;
                if (mode == AN_NPU_MODE_IM2COL && l->op != AN_Q_CONV2D) continue;
                if ((ok = best_tile(p, o, mode, th, tw, cost, &o->dbl))) o->mode = mode;
            }
        }
    return ok;
}

/* Whether conv o, with a fused add, got a th x tw tile whose reduction is
** split into chunks, or loads per output block (its epilogue needs the
** whole reduction of one load). */
static int split_add(const cprog *p, const cop *o, int th, int tw) {
    int rk[3];
    return o->add_layer >= 0 && o->mode == AN_NPU_MODE_KPOS &&
           (o->gload || /* per-block loads take the split path */
            (npu_kpos_split(p, o, npu_max_span(o, 1, th), npu_max_span(o, 0, tw), o->split, rk) &&
             rk[0] * rk[1] * rk[2] != o->kh * npu_kw_groups(o) * o->gcb));
}

/* Undo the fusions into conv o (its pool, its add and the pool after it):
** the conv writes its output to DRAM and the others run as their own ops
** (a pool on the host if the vector unit cannot hold its window either). */
static void unfuse(cprog *p, cop *o) {
    for (int k = 0; k < p->n_ops; k++) {
        cop *q = &p->ops[k];
        if (q->kind != COP_FUSED || (q->layer != o->pool_layer && q->layer != o->add_layer))
            continue;
        q->kind = q->layer == o->add_layer ? COP_ADD : COP_POOL;
        q->mode = AN_NPU_MODE_VECTOR;
    }
    o->pool_layer = o->add_layer = -1;
    o->fh = o->oh, o->fw = o->ow;
    o->out_t = o->layer + 1;
}

/* The op whose output op k reads: the op before it (past the pool and add
** ops fused into another) or the one before a flatten (an alias of the
** same bytes) between them; NULL if neither. */
static cop *producer(cprog *p, int k) {
    int t = p->ops[k].in_t, aliases = 0;
    for (int j = k - 1; j >= 0; j--) {
        cop *q = &p->ops[j];
        if (q->kind == COP_FUSED) continue;
        if (q->kind == COP_ALIAS && q->out_t == t && !aliases++) {
            t = q->in_t;
            continue;
        }
        return q->out_t == t ? q : NULL;
    }
    return NULL;
}

/* Whether op q may hand its output on chip to the op o after it: o a 1x1
** conv or dense whose input is the whole output of q pixel for pixel (a
** dense only after a 1x1 output: it reads a flattened image as one pixel
** of all its values), q staged whole (wst;
** its tiles full rows, all in one staging half), laid out as o's input (a
** pixel every ncb x R bytes). o then reads it from those staging bytes
** instead of loading it back (when o is one tile of one chunk); q's output
** is still stored. */
static int hand_off(const cprog *p, const cop *q, const cop *o) {
    if (!q) return 0;
    const int64_t R = p->cfg->rows, C = p->cfg->cols, pitch = (int64_t)o->ncb * R;
    /* q's pixels, one image or (into a dense) one pixel of every image */
    const int same = q->nb == 1 ? o->ih == q->fh && o->iw == q->fw
                                : q->fh == 1 && q->fw == 1 && o->ih == 1 && o->iw == q->nb;
    /* the last pixel's spare lanes (C), then a fused add's other input:
       two tiles */
    const int64_t skip = C + (q->add_layer >= 0 ? 2 * (int64_t)npu_max_span(q, 1, q->th) *
                                                      npu_max_span(q, 0, q->tw) * C
                                                : 0);
    return o->kind == COP_CONV && o->mode == AN_NPU_MODE_KPOS && !o->gload && q->kind == COP_CONV &&
           (q->wst || q->add_layer >= 0) && same && o->ic == npu_tinfo(p, q->out_t).c &&
           o->kh == 1 && o->kw == 1 && o->sh == 1 && o->sw == 1 && o->dsh == 1 && o->dsw == 1 &&
           !o->pt && !o->pl && o->nb == 1 && (q->tw == q->fw || q->th == 1) &&
           (int64_t)q->nob * C >= pitch &&
           (int64_t)q->nb * q->fh * q->fw * pitch + skip <= p->stage_half &&
           pitch <= AN_ISA_UMAX(VEC, vpitch);
}

/* A grouped conv's output blocks loading only their channel windows,
** gload blocks a load, when that costs less than loading whole pixels once
** (*ok, *th, *tw, *cost: the choice so far, updated); each variant that
** fits, the one so far first, goes into alt[] (settled on its tile) for the
** search. Returns their number. */
static int group_loads(cprog *p, cop *o, int *ok, int *th, int *tw, int64_t *cost, cop *alt) {
    int n = 0;
    if (o->kind != COP_CONV || o->gcb >= o->ncb) return 0;
    if (*ok) {
        alt[n] = *o;
        npu_tile_settle(p, &alt[n++], *th, *tw, *cost);
    }
    for (int per = 1; per < o->nob && n < NPU_GROUP_ALTS; per *= 2) {
        const cop keep = *o;
        int th2 = 0, tw2 = 0;
        int64_t cost2 = 0;
        o->gload = per, o->gw = npu_group_span(p, o, per);
        const int ok2 = choose(p, o, &th2, &tw2, &cost2) && o->mode == AN_NPU_MODE_KPOS;
        if (ok2) {
            alt[n] = *o;
            npu_tile_settle(p, &alt[n++], th2, tw2, cost2);
        }
        if (ok2 && (!*ok || cost2 < *cost))
            *ok = 1, *th = th2, *tw = tw2, *cost = cost2;
        else
            *o = keep;
    }
    return n;
}

/* The input-resident form of kpos conv op o (docs/npu.md, "resident
** input"), when its estimate beats the choice so far (*th x *tw, *cost):
** the whole padded input loaded once into one input half, else across both;
** weights that fit half the weight buffer stay resident as before, else
** they load a group of output blocks at a time (those fitting a half, or one
** block in the whole buffer), the groups the outer loop, so that neither
** the input nor the weights load more than once. Not for what the op
** before hands on chip, batches, split or grouped loads, packed columns. */
static int try_resident(cprog *p, cop *o, int k, int *th, int *tw, int64_t *cost, cop *plain) {
    const int64_t R = p->cfg->rows, half = p->wgt_half_rows;
    const int64_t blk = (int64_t)o->kh * o->kw * o->gcb * R; /* weight rows a block */
    if (o->kind != COP_CONV || o->mode != AN_NPU_MODE_KPOS || o->split || o->gload || o->bp ||
        npu_kw_groups(o) != o->kw || o->nb != 1 || hand_off(p, producer(p, k), o))
        return 0;
    *plain = *o;
    npu_tile_settle(p, plain, *th, *tw, *cost);
    for (int ires = 1; ires <= 2; ires++) {
        const cop keep = *o;
        int th2 = 0, tw2 = 0, dbl2 = 0;
        int64_t cost2 = 0;
        o->ires = ires;
        o->wgrp = o->wfull = 0;
        if (o->nob * blk > half && blk <= half)
            o->wgrp = (int)(half / blk);
        else if (o->nob * blk > half && blk <= 2 * half)
            o->wgrp = 1, o->wfull = 1;
        /* weights that stream: the whole output, one tile (npu_tile_fits) */
        const int stream = !o->wgrp && o->nob * blk > half;
        int ok = stream ? fits(p, o, AN_NPU_MODE_KPOS, o->fh, o->fw, &cost2, &dbl2)
                        : best_tile(p, o, AN_NPU_MODE_KPOS, &th2, &tw2, &cost2, &dbl2);
        if (stream) th2 = o->fh, tw2 = o->fw;
        if (ok && o->wgrp && th2 == o->fh && tw2 == o->fw) { /* one tile: weights stream once */
            o->wgrp = o->wfull = 0;
            ok = fits(p, o, AN_NPU_MODE_KPOS, th2, tw2, &cost2, &dbl2);
        }
        if (ok && cost2 < *cost) {
            *th = th2, *tw = tw2, *cost = cost2, o->dbl = dbl2;
            continue;
        }
        *o = keep;
    }
    return o->ires > 0;
}

/* Op k's tile-search candidates when it took the resident input over the
** tiled form plain (settled): its own state first, then plain's candidates
** (the estimate of the resident input can be wrong; the last is dropped
** when they are full). */
static void resident_candidates(cprog *p, int k, const cop *plain) {
    const cop mine = p->ops[k];
    cop *cand = p->cand + (int64_t)k * NPU_TILE_CANDS;
    p->ops[k] = *plain;
    npu_tile_candidates(p, k);
    p->ops[k] = mine;
    int n = p->n_cand[k] < NPU_TILE_CANDS ? p->n_cand[k]++ : NPU_TILE_CANDS - 1;
    for (; n > 0; n--) cand[n] = cand[n - 1];
    cand[0] = mine;
}

/* Op o, changed from keep into a kpos variant (byte planes, host
** kernel-row elements): its tile chosen again; the variant stays when it
** lowers as kpos and costs less than *cost (or nothing fit before), else o
** goes back to keep. */
static void kpos_variant(cprog *p, cop *o, const cop *keep, int *ok, int *th, int *tw,
                         int64_t *cost) {
    int th2 = 0, tw2 = 0;
    int64_t cost2 = 0;
    if (choose(p, o, &th2, &tw2, &cost2) && o->mode == AN_NPU_MODE_KPOS && (!*ok || cost2 < *cost))
        *ok = 1, *th = th2, *tw = tw2, *cost = cost2;
    else
        *o = *keep;
}

/* Cycles a parameter prefetch saves at most: the next conv's parameter
** LOAD no longer pays the DRAM latency on the compute queue. */
static int64_t prefetch_gain(const cprog *p) {
    return 2 * (int64_t)p->cfg->dram_latency;
}

an_status npu_pass_tile(cprog *p) {
    const an_npu_config *c = p->cfg;
    const int64_t R = c->rows, C = c->cols;
    for (int k = 0; k < p->n_ops; k++) {
        cop *o = &p->ops[k];
        const an_q_layer *l = &p->g->layers[o->layer];
        if (o->kind == COP_ADD) {
            /* rows of C bytes of the flat tensors: a and b side by side */
            const int64_t rows = an_npu_acc_rows(c) - npu_param_rows(o);
            int64_t t = p->in_half / (2 * C);
            if (rows / 2 < t) t = rows / 2;
            if (p->stage_half / C < t) t = p->stage_half / C;
            if (t > AN_ISA_UMAX(VEC, n)) t = AN_ISA_UMAX(VEC, n);
            if (t < 1)
                return an_fail(AN_ERR_UNSUPPORTED,
                               "%s: layer %d (%s): the buffers of chip %s "
                               "cannot hold one row of an add",
                               p->g->source, o->layer, l->name, c->name);
            o->th = (int)t, o->tw = 1;
            const int64_t n = (int64_t)p->B * l->h * l->w * l->c;
            o->tiles = cdiv(cdiv(n, C), t);
            continue;
        }
        if (o->kind != COP_CONV && o->kind != COP_POOL) continue;
        o->nob = cdiv(o->oc, C);
        o->ncb = o->kind == COP_POOL ? cdiv(o->ic, C) : cdiv(o->ic, R);
        /* packed kpos or byte planes: fewer channels than R, no horizontal
           padding (npu_kw_groups) */
        const int flat = l->op == AN_Q_CONV2D && o->ic < R && o->kw >= 2 && o->pl == 0 &&
                         (int64_t)(o->ow - 1) * o->sw + o->kw <= o->iw;
        o->pk = flat && 2 * o->ic <= R ? (int)(R / o->ic < o->kw ? R / o->ic : o->kw) : 0;
        o->bp = o->hrow = 0;
        o->kr = cdiv((int64_t)o->kh * o->kw * o->ic, R);
        if (o->kind == COP_POOL) o->nob = o->ncb;
        o->gcb = npu_group_window(p, o);
        int th = 0, tw = 0;
        int64_t cost = 0;
        /* parameter prefetch: when the conv before loaded this one's rows,
           they lie on the other side of the accumulators from its own; the
           next conv's rows, which this one loads, are kept free on the side
           opposite this one's (dropped when they would cost a fit or a
           fusion) */
        const cop *prev = prev_op(p, k), *next = npu_next_conv(p, k);
        o->prm_pre = o->kind == COP_CONV && prev && prev->kind == COP_CONV && prev->next_rows > 0;
        o->prm_top = o->prm_pre && !prev->prm_top;
        o->next_rows =
            o->kind == COP_CONV && next
                ? 3 * (int64_t)cdiv(next->oc, C) + (next->add_layer >= 0 ? NPU_FADD_PRM_ROWS : 0)
                : 0;
        int ok = choose(p, o, &th, &tw, &cost);
        if (o->next_rows) {
            /* the reservation is dropped where it costs a fit, a fused add,
               or more cycles than it saves (the rows it keeps free can make
               more tiles, and weights that stream load once per tile) */
            const cop keep = *o;
            int th2 = 0, tw2 = 0;
            int64_t cost2 = 0;
            o->next_rows = 0;
            const int ok2 = choose(p, o, &th2, &tw2, &cost2);
            if (!ok || split_add(p, o, th, tw) || (ok2 && cost2 + prefetch_gain(p) < cost))
                ok = ok2, th = th2, tw = tw2, cost = cost2;
            else
                *o = keep;
        }
        const int planes = flat ? cdiv((int64_t)o->kw * o->ic, R) : 0;
        if (planes && planes < npu_kw_groups(o)) { /* byte planes, when they cost less */
            const cop keep = *o;
            o->bp = planes;
            kpos_variant(p, o, &keep, &ok, &th, &tw, &cost);
        }
        /* kernel-row elements the host writes, when the conv alone reads the
           network input (any padding; an input row is read once per tile,
           not once per window that covers it), when they cost less */
        if (host_input(p, o)) {
            const cop keep = *o;
            o->bp = (int)cdiv((int64_t)o->kw * o->ic, R), o->hrow = 1, o->pk = 0;
            o->mode = AN_NPU_MODE_KPOS;
            kpos_variant(p, o, &keep, &ok, &th, &tw, &cost);
        }
        cop galt[NPU_GROUP_ALTS];
        int ngalt = group_loads(p, o, &ok, &th, &tw, &cost, galt);
        /* the pool's window or the add's rows crowd the buffers; an add's
           epilogue needs the whole reduction in one chunk */
        if (o->pool_layer >= 0 || o->add_layer >= 0) {
            if (ok && split_add(p, o, th, tw)) ok = 0;
            if (!ok) {
                unfuse(p, o);
                o->gload = 0;
                ok = choose(p, o, &th, &tw, &cost);
                ngalt = group_loads(p, o, &ok, &th, &tw, &cost, galt);
            }
        }
        if (!ok && o->pk) { /* packed columns cannot split: unpacked, they can */
            o->pk = 0;
            ok = choose(p, o, &th, &tw, &cost);
        }
        cop plain;
        const int res = ok && try_resident(p, o, k, &th, &tw, &cost, &plain);
        /* a whole-output tile, when it lets the op before hand its output on */
        int64_t c1;
        int d1;
        if (ok && (th != o->fh || tw != o->fw) && hand_off(p, producer(p, k), o) &&
            fits(p, o, o->mode, o->fh, o->fw, &c1, &d1))
            th = o->fh, tw = o->fw, cost = c1, o->dbl = d1;
        if (!ok) {
            if (o->kind == COP_POOL) { /* too big for the vector unit: the host runs it */
                o->kind = COP_HOST;
                o->mode = AN_NPU_MODE_HOST;
                continue;
            }
            return no_tile(p, o);
        }
        npu_tile_settle(p, o, th, tw, cost);
        if (res)
            resident_candidates(p, k, &plain);
        else
            npu_tile_candidates(p, k);
        if (o->pool_layer < 0 && o->add_layer < 0) npu_group_candidates(p, k, galt, ngalt);
    }
    npu_tile_handoff(p);
    return AN_OK;
}

void npu_tile_settle(const cprog *p, cop *o, int th, int tw, int64_t cost) {
    const int64_t R = p->cfg->rows, C = p->cfg->cols;
    o->th = th, o->tw = tw, o->cost = cost;
    if (o->mode != AN_NPU_MODE_KPOS) o->gload = 0, o->ires = o->wgrp = o->wfull = 0;
    o->tiles = cdiv(o->fh, th) * cdiv(o->fw, tw);
    o->nchunks = o->mode == AN_NPU_MODE_KPOS ? o->kh * npu_kw_groups(o) * o->gcb : o->kr;
    int rk[3] = {o->kh, npu_kw_groups(o), o->gcb};
    if (o->kind == COP_CONV && o->mode == AN_NPU_MODE_KPOS)
        npu_kpos_split(p, o, npu_max_span(o, 1, th), npu_max_span(o, 0, tw), o->split, rk);
    o->rky = rk[0], o->rkx = rk[1], o->rcb = rk[2];
    o->hold = npu_kpos_nchunks(o) > 1 &&
              npu_kpos_hold(p, o, (int64_t)npu_max_span(o, 1, th) * npu_max_span(o, 0, tw),
                            (int64_t)th * tw);
    /* weights in one half; or, rather than streamed again for every tile,
       in the whole buffer (the next op's then load after the last tile) */
    o->wgt_resident = (int64_t)o->nchunks * o->nob * R <= p->wgt_half_rows ? 1
                      : npu_wgt_whole(p, o, o->mode, th, tw, o->dbl)       ? 2
                                                                           : 0;
    /* several blocks, or fewer channels than lanes: staged as whole pixels
       (the last block's spare lanes spill one pixel on) and stored at once,
       rather than a narrow strided store per block */
    const int64_t oc = npu_tinfo(p, o->out_t).c;
    o->wst = o->kind == COP_CONV && o->add_layer < 0 && npu_kpos_nchunks(o) == 1 && !o->gload &&
             !o->wgrp && (o->nob > 1 || oc < C) && (int64_t)th * tw * oc + C <= p->stage_half &&
             oc <= AN_ISA_UMAX(VEC, vpitch);
}

void npu_tile_handoff(cprog *p) {
    for (int k = 0; k < p->n_ops; k++) p->ops[k].hpitch = p->ops[k].onchip = 0;
    for (int k = 1; k < p->n_ops; k++) {
        cop *o = &p->ops[k], *q = producer(p, k);
        /* one tile of one chunk, staged once (so into the other half) */
        if (o->tiles != 1 || npu_kpos_nchunks(o) != 1 || (!o->wst && o->nob > 1) || o->ires ||
            (q && q->wgrp) || !hand_off(p, q, o))
            continue; /* (hand_off refuses no producer) */
        q->hpitch = o->ncb * p->cfg->rows;
        o->onchip = 1;
    }
}
