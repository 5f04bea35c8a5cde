/*
** Compiler pass codegen: instructions for every chip op, in program order,
** without dependency tokens (the deps pass adds them from what each
** instruction touches). Double buffering comes from alternating buffer
** halves: input tiles between two halves of the activation buffer, int8
** output staging between two more, weights between the two halves of the
** weight buffer; the load queue then runs ahead into the free half while
** the array works on the other.
**
** SRAM map per op (bytes for act, rows for acc and wgt):
**   act  [0, in)  [in, 2 in)  input halves (a conv's tile inputs: [0, 2 in) as
**        one ring, ring_input) | [2 in, 2 in + st) [.., + 2 st) staging
**   acc  [0, P) parameters | [P, P + pixels) conv tile | then pooled tile
**        (a fused add: then the other input's rows); with dbl a second
**        such slot after the first, the two alternating block by block so
**        that an epilogue runs beside the next GEMMs
**   wgt  two halves of wgt_half_rows rows
**
** A conv block's epilogue (its VECs and STOREs) is held back and emitted a
** VEC after each PRELOAD of the next block's pairs: each then runs beside
** those GEMMs (with dbl; without, all of it goes before them).
*/
#include "compile_internal.h"

#include <string.h>

enum { PEND_MAX = 16 }; /* a fused add's epilogue: at most 7 VECs and a STORE */

typedef struct gen {
    cprog *p;
    int in_flip, st_flip, w_flip, acc_flip;
    int64_t in_at; /* conv tiles' inputs: the next place in the input ring (ring_input) */
    int64_t hand;  /* staging byte of the output an op hands on chip to the next (hpitch) */
    /* streamed weights: the first group of block wpre_ob, loaded at wpre
       before the conv's first input (-1: none) */
    int wpre_ob;
    int64_t wpre;
    an_isa_insn pend[PEND_MAX]; /* the epilogue held back; [pend_at, npend) not emitted */
    int npend, pend_at;
} gen;

static an_isa_insn insn(int op) {
    an_isa_insn d;
    memset(&d, 0, sizeof d);
    d.op = op;
    return d;
}

/* A contiguous copy DRAM -> buffer in rows of rowbytes (as many rows per
** DMA as its ysize field holds). */
static an_status load_rows(cprog *p, int buf, int64_t sram, int64_t dram, int64_t rows,
                           int64_t rowbytes) {
    an_status s = AN_OK;
    const int64_t most = AN_ISA_UMAX(DMA, ysize);
    for (int64_t r = 0; r < rows && !s; r += most) {
        an_isa_insn d = insn(AN_ISA_LOAD);
        d.buf = buf, d.sram = sram + r * rowbytes, d.dram = dram + r * rowbytes;
        d.ysize = rows - r < most ? rows - r : most, d.xsize = 1;
        d.xbytes = d.pitch = d.dram_ystride = rowbytes;
        s = npu_emit(p, &d);
    }
    return s;
}

/* bytes of a flat tensor as rows of C bytes (the last one padded). */
static an_status flat_dma(cprog *p, int op, int64_t sram, int64_t dram, int64_t bytes, int64_t C) {
    const int64_t full = bytes / C, rem = bytes % C;
    an_status s = AN_OK;
    an_isa_insn d = insn(op);
    d.buf = AN_BUF_ACT, d.sram = sram, d.dram = dram, d.ysize = 1, d.xsize = full;
    d.xbytes = d.pitch = d.dram_xstride = C;
    if (full) s = npu_emit(p, &d);
    if (!s && rem) {
        d.sram = sram + full * C, d.dram = dram + full * C, d.xsize = 1, d.xbytes = rem;
        s = npu_emit(p, &d);
    }
    return s;
}

/* Hold instruction d back (an epilogue's VEC or STORE). */
static void pend_push(gen *G, const an_isa_insn *d) {
    G->pend[G->npend++] = *d;
}

/* Emit the next held-back VEC and the STOREs right after it. */
static an_status pend_one(gen *G) {
    an_status s = AN_OK;
    do s = npu_emit(G->p, &G->pend[G->pend_at++]);
    while (!s && G->pend_at < G->npend && G->pend[G->pend_at].op != AN_ISA_VEC);
    if (G->pend_at == G->npend) G->npend = G->pend_at = 0;
    return s;
}

/* Emit everything held back. */
static an_status pend_flush(gen *G) {
    an_status s = AN_OK;
    while (!s && G->npend) s = pend_one(G);
    return s;
}

static an_isa_insn vec(int vop, int64_t dst, int64_t src, int64_t n) {
    an_isa_insn d = insn(AN_ISA_VEC);
    d.vop = vop, d.dst = dst, d.src = src, d.n = n;
    return d;
}

/* The pool of a tile: from the cth x ctw conv pixels at acc row acc_t for
** the fth x ftw final tile at (fy0, fx0) (its conv pixels from (cy0,
** cx0)); dst is left for the caller. */
static an_isa_insn pool_insn(const cop *o, int64_t acc_t, int cy0, int cx0, int cth, int ctw,
                             int fy0, int fx0, int fth, int ftw) {
    an_isa_insn d = vec(o->pavg ? AN_VOP_AVGPOOL : AN_VOP_MAXPOOL, 0, acc_t, 0);
    d.gh = cth, d.gw = ctw, d.kh = o->pkh, d.kw = o->pkw, d.sh = o->psh, d.sw = o->psw;
    d.oy = (int64_t)fy0 * o->psh - o->ppt - cy0, d.ox = (int64_t)fx0 * o->psw - o->ppl - cx0;
    d.oh = fth, d.ow = ftw;
    return d;
}

/* The staging half the next int8 output goes to (they alternate). */
static int64_t next_stage(gen *G) {
    return 2 * G->p->in_half + (G->st_flip++ & 1) * G->p->stage_half;
}

/* The staging bytes of a fused add's next block (its other input's rows,
** then its int8 output: bytes in all): the staging halves alternate, and
** each is cut into as many such places as it holds, taken in turn, so
** that the other input of the blocks after loads while the stores of
** those before still read theirs. */
static int64_t next_add_stage(gen *G, int64_t bytes) {
    const int64_t per = G->p->stage_half / bytes, slot = G->st_flip++;
    return 2 * G->p->in_half + (slot & 1) * G->p->stage_half +
           (per > 1 ? (slot >> 1) % per : 0) * bytes;
}

/* The DMA (STORE, or LOAD into the activation buffer) of channels [c0, c0
** + cw) of the h x w pixels at (y0, x0) of image img of tensor t (fh x fw
** x oc), pixel i at staging byte stage + i * pitch. */
static an_isa_insn tile_dma(gen *G, int op, int t, int64_t stage, int64_t pitch, int64_t c0,
                            int64_t cw, int y0, int x0, int h, int w, int img) {
    const an_tensor ti = npu_tinfo(G->p, t);
    an_isa_insn d = insn(op);
    d.buf = AN_BUF_ACT, d.sram = stage;
    d.dram =
        G->p->tdram[t] + (int64_t)img * ti.h * ti.w * ti.c + ((int64_t)y0 * ti.w + x0) * ti.c + c0;
    d.ysize = h, d.xsize = w, d.xbytes = cw, d.pitch = pitch;
    d.dram_ystride = (int64_t)ti.w * ti.c, d.dram_xstride = ti.c;
    if (op == AN_ISA_LOAD) d.pad_value = ti.zero_point; /* the lanes past cw widen to 0 */
    return d;
}

/* The STORE of channels [c0, c0 + cw) of the fth x ftw final tile at (fy0,
** fx0) of image img, pixel i of the tile at staging byte stage + i * pitch. */
static an_isa_insn store_insn(gen *G, const cop *o, int64_t stage, int64_t pitch, int64_t c0,
                              int64_t cw, int fy0, int fx0, int fth, int ftw, int img) {
    return tile_dma(G, AN_ISA_STORE, o->out_t, stage, pitch, c0, cw, fy0, fx0, fth, ftw, img);
}

/* Channels [c0, ..) of output block blk that fit in C lanes. */
static int64_t block_width(gen *G, const cop *o, int blk) {
    const int64_t C = G->p->cfg->cols, oc = npu_tinfo(G->p, o->out_t).c, c0 = (int64_t)blk * C;
    return oc - c0 < C ? oc - c0 : C;
}

/* The tail of a tile's output block blk: w (a WRITE, or a REQUANT or pool
** with wr8) puts the fth x ftw final tile into staging byte stage as int8, a
** pixel every pitch bytes, then its store; emitted, or held back (hold). */
static an_status tile_store(gen *G, const cop *o, an_isa_insn w, int64_t stage, int64_t pitch,
                            int fy0, int fx0, int fth, int ftw, int img, int blk, int hold) {
    const int64_t C = G->p->cfg->cols;
    w.dst = stage, w.vpitch = pitch;
    const an_isa_insn st = store_insn(G, o, stage, pitch, (int64_t)blk * C, block_width(G, o, blk),
                                      fy0, fx0, fth, ftw, img);
    if (hold) {
        pend_push(G, &w), pend_push(G, &st);
        return AN_OK;
    }
    an_status s = npu_emit(G->p, &w);
    return s ? s : npu_emit(G->p, &st);
}

/* The requantization of a conv layer's output block into q: its parameter
** rows at prm (multiplier, shift, bias), the bias added, clamped to the
** activation range, written as int8 (tile_store sets where). */
static void requant_fields(const an_q_layer *l, int64_t prm, an_isa_insn *q) {
    q->prm = prm, q->bias = 1, q->wr8 = 1, q->zp = l->zero_point, q->clamp = 1;
    q->lo = l->act_min, q->hi = l->act_max;
}

/* Weight tiles [j0, j1) of output block ob into half h (rows). */
static an_status load_weights(cprog *p, const cop *o, int ob, int j0, int j1, int64_t base_rows) {
    const int64_t R = p->cfg->rows, C = p->cfg->cols;
    const int64_t first = (int64_t)ob * o->nchunks + j0;
    return load_rows(p, AN_BUF_WGT, base_rows * C, o->wdram + first * R * C, (int64_t)(j1 - j0) * R,
                     C);
}

/* One conv tile: image img, conv pixels [cy0, cy0 + cth) x [cx0, cx0 +
** ctw), final pixels (fy0, fx0) fth x ftw; the input rows of the chunk
** loaded last (in_row: first activation row, tiw: its tile's columns). */
typedef struct ctile {
    int img, cy0, cx0, cth, ctw, fy0, fx0, fth, ftw;
    int64_t in_row;
    int tiw;
} ctile;

/* The tile of conv op o at final output (fy0, fx0) of image img. */
static ctile tile_at(const cop *o, int img, int fy0, int fx0) {
    ctile t = {.img = img, .fy0 = fy0, .fx0 = fx0};
    t.fth = o->th < o->fh - fy0 ? o->th : o->fh - fy0;
    t.ftw = o->tw < o->fw - fx0 ? o->tw : o->fw - fx0;
    int cy1, cx1;
    npu_span(o, 1, fy0, t.fth, &t.cy0, &cy1);
    npu_span(o, 0, fx0, t.ftw, &t.cx0, &cx1);
    t.cth = cy1 - t.cy0, t.ctw = cx1 - t.cx0;
    return t;
}

/* Tile t reads chunk ch's input from the activation buffer at in_base: its
** first row and the input window's width (with padding). */
static void tile_reads(const cop *o, ctile *t, const npu_chunk *ch, int64_t in_base, int64_t R) {
    t->in_row = in_base / R;
    if (o->bp) { /* an element per output column */
        t->tiw = t->ctw;
        return;
    }
    t->tiw = (t->ctw - 1) * o->sw + npu_pk_col(o, ch->kx1 - 1) + 1 - npu_pk_col(o, ch->kx0);
}

/* [*lo, *hi): the part of window [a, b) inside [0, lim), empty (at b when
** the window lies wholly before 0) when none is. */
static void clip(int a, int b, int lim, int *lo, int *hi) {
    *lo = a < 0 ? 0 : a;
    *lo = *lo > b ? b : *lo;
    *hi = b > lim ? lim : b;
    *hi = *hi < *lo ? *lo : *hi;
}

/* Kernel-row elements: tile t's input rows [iy0, iy1) (with padding) of
** the image at src in one DMA from in_base, output column x's element the
** kw x ic bytes of its kernel row (contiguous in DRAM; the elements, sw
** pixels apart, overlap), in bp rows of R (docs/npu.md, "kernel-row
** elements"). */
static an_status load_krows(gen *G, const cop *o, const ctile *t, int64_t src, int iy0, int iy1,
                            int64_t in_base) {
    cprog *p = G->p;
    const int64_t R = p->cfg->rows, row = (int64_t)o->iw * o->ic;
    an_isa_insn d = insn(AN_ISA_LOAD);
    d.buf = AN_BUF_ACT, d.sram = in_base;
    if (o->hrow) { /* the host's elements of padded rows iy0 + pt ..: one DMA */
        const int64_t el = (int64_t)o->bp * R, prow = (int64_t)o->ow * el;
        d.dram = p->tdram[o->in_t] + (t->img * npu_hrow_rows(o) + iy0 + o->pt) * prow + t->cx0 * el;
        d.ysize = iy1 - iy0, d.xsize = t->ctw, d.xbytes = d.pitch = d.dram_xstride = el;
        d.dram_ystride = prow;
        return npu_emit(p, &d);
    }
    int y0, y1;
    clip(iy0, iy1, o->ih, &y0, &y1);
    d.dram = y1 > y0 ? src + y0 * row + (int64_t)t->cx0 * o->sw * o->ic : src;
    d.ysize = y1 - y0, d.xsize = t->ctw, d.xbytes = (int64_t)o->kw * o->ic;
    d.pitch = (int64_t)o->bp * R;
    d.dram_ystride = row, d.dram_xstride = (int64_t)o->sw * o->ic;
    d.pad_top = y0 - iy0, d.pad_bottom = iy1 - y1;
    d.pad_value = npu_tinfo(p, o->in_t).zero_point;
    return npu_emit(p, &d);
}

/* The input DMA(s) of tile t for chunk ch (kpos: those kernel rows, columns
** and channel blocks of the window, one DMA, or the kernel-row elements of
** its input rows, one DMA; host im2col rows: one DMA;
** im2col by DMA: one per conv pixel) into the activation buffer at in_base. */
static an_status load_input(gen *G, const cop *o, const ctile *t, const npu_chunk *ch,
                            int64_t in_base) {
    cprog *p = G->p;
    const int64_t R = p->cfg->rows;
    const an_tensor in = npu_tinfo(p, o->in_t);
    const int cy1 = t->cy0 + t->cth, cx1 = t->cx0 + t->ctw;
    /* input window (with padding) of the conv pixels, for the chunk's cells */
    const int iy0 = t->cy0 * o->sh - o->pt + ch->ky0, iy1 = (cy1 - 1) * o->sh - o->pt + ch->ky1;
    /* (packed: the columns where the chunk's elements start) */
    const int kc0 = npu_pk_col(o, ch->kx0), kc1 = npu_pk_col(o, ch->kx1 - 1) + 1;
    const int ix0 = t->cx0 * o->sw - o->pl + kc0, ix1 = (cx1 - 1) * o->sw - o->pl + kc1;
    const int64_t src_img = p->tdram[o->in_t] + t->img * ((int64_t)in.h * in.w * in.c);
    const int64_t ys = npu_in_ystride(p, o), xs = npu_in_xstride(o);
    an_status s = AN_OK;
    if (o->mode == AN_NPU_MODE_KPOS && o->bp)
        return load_krows(G, o, t, src_img, iy0, iy1, in_base);
    if (o->mode == AN_NPU_MODE_KPOS) { /* one DMA: pixels of ncc rows each */
        int cb0, ncc;
        npu_chunk_load(o, ch, &cb0, &ncc);
        /* the data rows and columns, clipped to the image (none when a
           split window lies wholly in the padding) */
        int y0, y1, x0, x1;
        clip(iy0, iy1, o->ih, &y0, &y1);
        clip(ix0, ix1, o->iw, &x0, &x1);
        const int64_t cbyte = (int64_t)cb0 * R;
        an_isa_insn d = insn(AN_ISA_LOAD);
        d.buf = AN_BUF_ACT, d.sram = in_base;
        d.dram = y1 > y0 && x1 > x0 ? src_img + y0 * ys + x0 * xs + cbyte : src_img;
        d.ysize = y1 - y0, d.xsize = x1 - x0;
        d.xbytes = o->ic - cbyte < ncc * R ? o->ic - cbyte : ncc * R, d.pitch = ncc * R;
        if (npu_kw_groups(o) != o->kw) d.xbytes = (int64_t)o->pk * o->ic; /* packed pixels */
        d.dram_ystride = ys, d.dram_xstride = xs;
        d.pad_top = y0 - iy0, d.pad_bottom = iy1 - y1, d.pad_left = x0 - ix0;
        d.pad_right = ix1 - x1, d.pad_value = in.zero_point;
        return npu_emit(p, &d);
    }
    if (o->mode == AN_NPU_MODE_IM2COL_IN) { /* the host's rows: one DMA */
        const int64_t pxb = (int64_t)o->kr * R;
        an_isa_insn d = insn(AN_ISA_LOAD);
        d.buf = AN_BUF_ACT, d.sram = in_base;
        d.dram = p->tdram[o->in_t] + t->img * (int64_t)o->oh * o->ow * pxb +
                 ((int64_t)t->cy0 * o->ow + t->cx0) * pxb;
        d.ysize = t->cth, d.xsize = t->ctw, d.xbytes = d.pitch = d.dram_xstride = pxb;
        d.dram_ystride = (int64_t)o->ow * pxb;
        return npu_emit(p, &d);
    }
    /* im2col: one DMA per conv pixel builds its kr rows */
    for (int cy = t->cy0; cy < cy1 && !s; cy++)
        for (int cx = t->cx0; cx < cx1 && !s; cx++) {
            const int wy0 = cy * o->sh - o->pt, wx0 = cx * o->sw - o->pl;
            const int y0 = wy0 < 0 ? 0 : wy0, x0 = wx0 < 0 ? 0 : wx0;
            const int y1 = wy0 + o->kh > o->ih ? o->ih : wy0 + o->kh;
            const int x1 = wx0 + o->kw > o->iw ? o->iw : wx0 + o->kw;
            const int64_t px = (int64_t)(cy - t->cy0) * t->ctw + (cx - t->cx0);
            an_isa_insn d = insn(AN_ISA_LOAD);
            d.buf = AN_BUF_ACT, d.sram = in_base + px * o->kr * R;
            d.dram = src_img + y0 * ys + x0 * xs;
            d.ysize = y1 - y0, d.xsize = x1 - x0, d.xbytes = d.pitch = o->ic;
            d.dram_ystride = ys, d.dram_xstride = xs;
            d.pad_top = y0 - wy0, d.pad_bottom = wy0 + o->kh - y1;
            d.pad_left = x0 - wx0, d.pad_right = wx0 + o->kw - x1;
            d.pad_tail = (int64_t)o->kr * R - (int64_t)o->kh * o->kw * o->ic;
            d.pad_value = in.zero_point;
            s = npu_emit(p, &d);
        }
    return s;
}

/* Conv tile t's input for chunk ch, loaded at the next place of the input
** region (both input halves, 2h bytes) taken as a ring, R-aligned; *base
** gets it. Rather than alternating halves, each tile's input then lies
** right after the one before, so the next op's first tiles load into bytes
** the last ones of this op do not read. The next tile's input is loaded
** before this tile's GEMMs in program order, so it must never overlap this
** one's: with every input at most h bytes, that holds when each place [a,
** b) keeps b + h <= 2h or a >= h (the next then fits after it, or at 0):
** an input that would straddle h from below starts at h instead, and one
** that would pass 2h starts at 0. The DMAs go in at the next place and,
** when it moves, again at the new one (their span: npu_dma_sram_end). */
static an_status ring_input(gen *G, const cop *o, const ctile *t, const npu_chunk *ch,
                            int64_t *base) {
    cprog *p = G->p;
    const int64_t R = p->cfg->rows, h = p->in_half, n0 = p->n_ins;
    *base = G->in_at;
    an_status s = load_input(G, o, t, ch, *base);
    int64_t end = *base;
    for (int64_t i = n0; i < p->n_ins && !s; i++) {
        an_isa_insn d;
        s = an_isa_decode(&p->ins[i], &d);
        if (!s && npu_dma_sram_end(&d) > end) end = npu_dma_sram_end(&d);
    }
    if (s) return s;
    const int64_t size = end - *base;
    int64_t at = *base;
    if (at + size > 2 * h) /* past the end */
        at = 0;
    else if (at < h && at + size > h) /* straddling the middle from below */
        at = h;
    if (at != *base) { /* dropped, and placed at the new place */
        p->n_ins = n0;
        *base = at;
        if ((s = load_input(G, o, t, ch, at))) return s;
    }
    G->in_at = (at + size + R - 1) / R * R;
    return AN_OK;
}

/* The PRELOAD + GEMM pairs of chunk ch of output block ob over tile t
** (weights from row wbase when resident, else streamed a half at a time):
** GEMM accumulates after the reduction's first tile; with gmax one GEMM
** per pool window cell max-pools into the pooled rows at acc_p. */
static an_status chunk_gemms(gen *G, const cop *o, const ctile *t, const npu_chunk *ch, int ob,
                             int64_t wbase, int gmax, int64_t acc_t, int64_t acc_p) {
    cprog *p = G->p;
    const int64_t R = p->cfg->rows;
    const int group = (int)(p->wgt_half_rows / R); /* weight tiles per half */
    /* the channel blocks loaded per pixel; block ob's window from gcb0 */
    int lcb0, ncc;
    npu_chunk_load(o, ch, &lcb0, &ncc);
    const int gcb0 = npu_group_cb0(p, o, ob);
    an_status s = AN_OK;
    for (int j0 = ch->j0; j0 < ch->j0 + ch->n && !s; j0 += group) {
        const int j1 = j0 + group < ch->j0 + ch->n ? j0 + group : ch->j0 + ch->n;
        int64_t wrow = wbase + ((int64_t)ob * o->nchunks + j0) * R;
        if (!o->wgt_resident && !o->wgrp) {         /* streamed a half at a time */
            if (G->wpre_ob == ob && j0 == ch->j0) { /* loaded before the first input */
                wrow = G->wpre;
                G->wpre_ob = -1;
            } else {
                wrow = (G->w_flip++ & 1) * p->wgt_half_rows;
                s = load_weights(p, o, ob, j0, j1, wrow);
            }
        }
        for (int j = j0; j < j1 && !s; j++, wrow += R) {
            an_isa_insn pre = insn(AN_ISA_PRELOAD);
            pre.wgt = o->wfull ? wrow % (2 * p->wgt_half_rows) : wrow; /* (the ring) */
            if ((s = npu_emit(p, &pre))) break;
            /* the block before's epilogue: a VEC beside each pair (the
               other slot), or all of it before the pairs reuse its rows */
            if (G->npend && (s = o->dbl ? pend_one(G) : pend_flush(G))) break;
            if (gmax) { /* one GEMM per window cell, max into the pooled rows */
                for (int cell = 0; cell < o->psh * o->psw && !s; cell++) {
                    const int dy = cell / o->psw, dx = cell % o->psw;
                    an_isa_insn g = insn(AN_ISA_GEMM);
                    g.accumulate = g.max = cell > 0, g.acc = acc_p;
                    g.n_outer = t->fth, g.n_inner = t->ftw, g.acc_outer = t->ftw, g.acc_inner = 1;
                    g.act = t->in_row + ((int64_t)dy * t->ctw + dx) * o->kr + j;
                    g.act_outer = (int64_t)o->psh * t->ctw * o->kr;
                    g.act_inner = (int64_t)o->psw * o->kr;
                    s = npu_emit(p, &g);
                }
                continue;
            }
            an_isa_insn g = insn(AN_ISA_GEMM);
            g.accumulate = j > 0, g.acc = acc_t;
            g.n_outer = t->cth, g.n_inner = t->ctw, g.acc_outer = t->ctw, g.acc_inner = 1;
            if (o->mode == AN_NPU_MODE_KPOS && o->bp) { /* kernel row ky, its row kx */
                int ky, kx, cb;
                npu_kpos_cell(ch, j - ch->j0, &ky, &kx, &cb);
                g.act = t->in_row + (int64_t)(ky - ch->ky0) * t->tiw * o->bp + kx;
                g.act_outer = (int64_t)o->sh * t->tiw * o->bp, g.act_inner = o->bp;
            } else if (o->mode == AN_NPU_MODE_KPOS) {
                int ky, kx, cb;
                npu_kpos_cell(ch, j - ch->j0, &ky, &kx, &cb);
                const int64_t col = npu_pk_col(o, kx) - npu_pk_col(o, ch->kx0);
                g.act =
                    t->in_row + ((int64_t)(ky - ch->ky0) * t->tiw + col) * ncc + (gcb0 + cb - lcb0);
                g.act_outer = (int64_t)o->sh * t->tiw * ncc;
                g.act_inner = (int64_t)o->sw * ncc;
            } else {
                g.act = t->in_row + j;
                g.act_outer = (int64_t)t->ctw * o->kr, g.act_inner = o->kr;
            }
            s = npu_emit(p, &g);
        }
    }
    return s;
}

/* Streamed weights: the first group of the first block a conv computes
** (the last with o->wst), loaded before its first input, which may wait for
** the op before to store it; chunk_gemms then takes them (wpre). */
static an_status preload_weights(gen *G, const cop *o, const npu_chunk *ch) {
    cprog *p = G->p;
    const int group = (int)(p->wgt_half_rows / p->cfg->rows);
    const int j1 = ch->n < group ? ch->j0 + ch->n : ch->j0 + group;
    G->wpre_ob = o->wst ? o->nob - 1 : 0;
    G->wpre = (G->w_flip++ & 1) * p->wgt_half_rows;
    return load_weights(p, o, G->wpre_ob, ch->j0, j1, G->wpre);
}

/* Whether conv o's resident weights load in two parts around its first
** input (resident_weights): several blocks and tiles, an input loaded by
** the conv itself (not handed on chip) as one chunk or all resident. A conv
** of one tile reads the whole output of the op before, so its input waits
** for that op's end, and its weights had better load before (the seed
** CNN's dense_1 on npu16: 6,719 cycles, 10,234 deferred). */
static int defer_weights(const cop *o) {
    return o->wgt_resident && o->nob > 1 && o->tiles > 1 && !o->onchip &&
           (o->ires || (npu_kpos_nchunks(o) == 1 && !o->gload));
}

/* Resident weights (o->wgt_resident) at wbase, in two parts around the
** conv's first input. Deferred (defer_weights), part 0 holds those of the
** first block the conv computes (the last with o->wst) and part 1 the
** others: the first input, which may wait for the op before to store it,
** loads after one block's weights rather than after all of them. Else part
** 0 holds them all. */
static an_status resident_weights(gen *G, const cop *o, int64_t wbase, int part) {
    const int64_t R = G->p->cfg->rows;
    const int ob0 = o->wst ? o->nob - 1 : 0, defer = defer_weights(o);
    an_status s = AN_OK;
    for (int ob = 0; ob < o->nob && !s; ob++)
        if (part == 0 ? ob == ob0 || !defer : defer && ob != ob0)
            s = load_weights(G->p, o, ob, 0, o->nchunks, wbase + (int64_t)ob * o->nchunks * R);
    return s;
}

/* A conv's first input, at *base (ring: at the input ring's next place,
** ring_input), after the weights that wait for nothing, since it may wait
** for the op before to store it: streamed weights' first group, resident
** weights' first block (the others after it when deferred). A resident
** input's grouped weights load their first group before it (resident_conv). */
static an_status first_input(gen *G, const cop *o, const ctile *t, const npu_chunk *ch,
                             int64_t wbase, int ring, int64_t *base) {
    an_status s = AN_OK;
    if (!o->wgt_resident && !o->wgrp) s = preload_weights(G, o, ch);
    if (!s) s = ring ? ring_input(G, o, t, ch, base) : load_input(G, o, t, ch, *base);
    if (!s && o->wgt_resident) s = resident_weights(G, o, wbase, 1);
    return s;
}

/* The epilogue of output block ob of tile t (its parameter rows: of every
** block, or only its own at row 0), one vector pass: bias, requantization
** and the int8 write of the conv rows at acc_t, or of the rows at acc_p the
** GEMMs max-pooled already (gmax), or the pool of the requantized conv
** rows; then the store, or (wide >= 0, o->wst) into the staging bytes of
** the tile's whole pixels at wide, stored once after every block. Held
** back (pend): it runs beside the next block's array pairs, unless the deps
** pass clears that where those GEMMs touch its rows. */
static an_status tile_epilogue(gen *G, const cop *o, const ctile *t, int ob, int gmax,
                               int64_t acc_t, int64_t acc_p, int64_t wide) {
    an_status s = pend_flush(G); /* the block before's, what is left of it */
    if (s) return s;
    const int64_t prm = npu_prm_base(G->p, o) + (o->prm_resident ? 3 * (int64_t)ob : 0);
    const an_q_layer *l = &G->p->g->layers[o->layer];
    const int64_t fpx = (int64_t)t->fth * t->ftw;
    an_isa_insn w = vec(AN_VOP_REQUANT, 0, gmax ? acc_p : acc_t, fpx);
    if (!gmax && o->pool_layer >= 0)
        w = pool_insn(o, acc_t, t->cy0, t->cx0, t->cth, t->ctw, t->fy0, t->fx0, t->fth, t->ftw);
    requant_fields(l, prm, &w);
    w.beside = 1;
    if (wide < 0)
        return tile_store(G, o, w, next_stage(G), G->p->cfg->cols, t->fy0, t->fx0, t->fth, t->ftw,
                          t->img, ob, 1);
    /* the block's lanes into the tile's whole pixels (o->wst) */
    w.dst = wide + (int64_t)ob * G->p->cfg->cols;
    w.vpitch = o->hpitch ? o->hpitch : npu_tinfo(G->p, o->out_t).c;
    pend_push(G, &w);
    return AN_OK;
}

/* The epilogue of output block ob of tile t with a fused residual add
** (docs/npu.md, "Fusion"), held back like tile_epilogue's: the add's other
** input (its block loaded at staging byte stage) widened into the rows
** after the conv's (x at acc_t, y = acc_t + pix); the conv rows requantized
** to the conv's int8 values, then, minus its zero point (the bias row),
** shifted left by 20 and rescaled as the add's input; y rescaled; the two
** added; requantized (or pooled) with the add's output parameters into
** int8 at out (block ob's lanes of the tile's first pixel, a pixel every
** pitch bytes); then the store (handing on, o->hpitch: one STORE of the
** tile's whole pixels after the last block, as o->wst has). A side whose
** rescale is an exact shift (npu_add_exact_shift) takes it in the pass
** that shifts it and has no pass of its own. Only the WIDEN holds the
** array. */
static an_status add_epilogue(gen *G, const cop *o, const ctile *t, int ob, int64_t acc_t,
                              int64_t stage, int64_t out, int64_t pitch) {
    an_status s = pend_flush(G);
    if (s) return s;
    cprog *p = G->p;
    const int64_t C = p->cfg->cols, pix = (int64_t)t->cth * t->ctw;
    const int64_t base = npu_prm_base(p, o);
    const int64_t prm = base + (o->prm_resident ? 3 * (int64_t)ob : 0);
    const int64_t ap = base + 3 * (int64_t)(o->prm_resident ? o->nob : 1); /* the add's rows */
    const an_q_layer *l = &p->g->layers[o->layer], *a = &p->g->layers[o->add_layer];
    const int kb = npu_add_exact_shift(a, 1 - o->add_side);
    const int64_t x = acc_t, y = acc_t + pix;
    an_isa_insn v[7];
    int n = 0;
    v[n] = vec(AN_VOP_WIDEN, y, stage, pix);
    v[n].vpitch = C, v[n].zp = npu_tinfo(p, o->skip_t).zero_point;
    v[n++].shift = kb >= 0 ? kb : AN_Q_ADD_LEFT_SHIFT;
    v[n] = vec(AN_VOP_REQUANT, x, 0, pix); /* the conv's int8 value, in place */
    requant_fields(l, prm, &v[n]);
    v[n++].wr8 = 0;
    v[n] = vec(AN_VOP_REQUANT, x, 0, pix); /* minus its zero point, << 20 or k */
    v[n].prm = ap + 6, v[n++].bias = 1;
    if (npu_add_exact_shift(a, o->add_side) < 0)
        v[n] = vec(AN_VOP_REQUANT, x, 0, pix), v[n++].prm = ap;
    if (kb < 0) v[n] = vec(AN_VOP_REQUANT, y, 0, pix), v[n++].prm = ap + 2;
    v[n++] = vec(AN_VOP_ADD, x, y, pix);
    an_isa_insn w = vec(AN_VOP_REQUANT, 0, x, pix);
    if (o->pool_layer >= 0)
        w = pool_insn(o, x, t->cy0, t->cx0, t->cth, t->ctw, t->fy0, t->fx0, t->fth, t->ftw);
    requant_fields(a, ap + 4, &w);
    /* after the WIDEN (which waits for the array to drain) the passes wait
       only for each other (nodrain): the GEMMs between them write the other
       slot */
    w.bias = 0, w.beside = w.nodrain = 1;
    for (int k = 0; k < n; k++) v[k].beside = v[k].nodrain = k > 0, pend_push(G, &v[k]);
    if (o->hpitch) { /* into the handed-on pixels, stored whole after the last block */
        w.dst = out, w.vpitch = pitch;
        pend_push(G, &w);
        return AN_OK;
    }
    return tile_store(G, o, w, out, pitch, t->fy0, t->fx0, t->fth, t->ftw, t->img, ob, 1);
}

/* The multiplier, shift and bias rows of output block ob alone, at row 0 of
** the accumulators (when those of every block would crowd them), after the
** held-back epilogue that reads the rows there now. */
static an_status load_params(gen *G, const cop *o, int ob) {
    const int64_t C = G->p->cfg->cols;
    an_status s = pend_flush(G);
    return s ? s
             : load_rows(G->p, AN_BUF_ACC, npu_prm_base(G->p, o) * 4 * C,
                         o->pdram + (int64_t)ob * 3 * 4 * C, 3, 4 * C);
}

/* Tile t of a split reduction (each chunk its own DMA): with o->hold, each
** chunk loads once and feeds the partial sums of every output block (block
** ob's at acc_t + ob * pix, the pooled rows after them), then the
** epilogues run; with o->gload, the same for each group of gload output
** blocks, loading only their channel windows; otherwise block by block,
** every chunk loaded again. */
static an_status split_tile(gen *G, const cop *o, ctile *t, int64_t wbase, int64_t acc_t,
                            int64_t pix) {
    cprog *p = G->p;
    const int64_t R = p->cfg->rows;
    const int nq = npu_kpos_nchunks(o);
    const int per = o->hold ? o->nob : o->gload ? o->gload : 1; /* blocks a load feeds */
    const int64_t acc_p = acc_t + per * pix;
    an_status s = AN_OK;
    for (int a = 0; a < o->nob && !s; a += per) {
        const int inner = o->nob - a < per ? o->nob - a : per;
        for (int q = 0; q < nq && !s; q++) {
            npu_chunk ch;
            npu_kpos_chunk(o, q, &ch);
            if (o->gload) { /* the group's windows */
                ch.gb = npu_group_cb0(p, o, a);
                if (o->gload > 1) ch.gn = npu_group_cb0(p, o, a + inner - 1) + o->gcb - ch.gb;
            }
            int64_t in_base;
            if ((s = ring_input(G, o, t, &ch, &in_base))) break;
            tile_reads(o, t, &ch, in_base, R);
            for (int b = 0; b < inner && !s; b++)
                s = chunk_gemms(G, o, t, &ch, a + b, wbase, 0, acc_t + b * pix, acc_p);
        }
        for (int b = 0; b < inner && !s; b++) {
            if (!o->prm_resident) s = load_params(G, o, a + b);
            if (!s) s = tile_epilogue(G, o, t, a + b, 0, acc_t + b * pix, acc_p, -1);
        }
    }
    return s;
}

/* What the output blocks of a conv's tiles share (tile_blocks). */
typedef struct cblk {
    int64_t P, slot, pix; /* accumulator slot base, slot rows, conv pixels a tile */
    int64_t hand;         /* staging byte of the output handed on (hpitch), or -1 */
    int64_t hand_bytes;   /* the handed-on pixels and the last one's spare lanes */
    int gmax;             /* the GEMMs max-pool (npu_gemm_pool) */
    int skip_flip;        /* handing on: the fused add's other input, two tiles alternating */
} cblk;

/* Output blocks [b0, b1) of tile t, its input read as chunk ch says
** (weights from row wbase when they stay in the weight buffer): per block
** its parameter rows when they are not resident, a fused add's other
** input, the array's pairs and the epilogue; with o->wst (or handing on)
** the tile's whole pixels staged, the blocks last to first, and stored at
** once after them. */
static an_status tile_blocks(gen *G, const cop *o, const ctile *t, const npu_chunk *ch, int b0,
                             int b1, int64_t wbase, cblk *k) {
    cprog *p = G->p;
    const int64_t C = p->cfg->cols;
    an_status s = AN_OK;
    /* with o->wst the blocks go last to first, so that the lanes past the
       last channel that a block writes land on the next pixel's block 0,
       written after them */
    const int64_t wide =
        o->hpitch ? k->hand + (((int64_t)t->img * o->fh + t->fy0) * o->fw + t->fx0) * o->hpitch
        : o->wst  ? next_stage(G)
                  : -1;
    for (int i = b0; i < b1 && !s; i++) {
        const int ob = o->wst ? b1 - 1 - (i - b0) : i;
        const int64_t acc_t = k->P + (o->dbl ? (G->acc_flip++ & 1) * k->slot : 0);
        if (!o->prm_resident) s = load_params(G, o, ob);
        /* a fused add: the other input's block, into the front of a
           staging half (handing on: after the output, in one of two) */
        const int64_t stage = o->add_layer < 0 ? -1
                              : o->hpitch
                                  ? k->hand + k->hand_bytes + (k->skip_flip++ & 1) * k->pix * C
                                  : next_add_stage(G, (k->pix + (int64_t)o->th * o->tw) * C);
        if (!s && stage >= 0) {
            const an_isa_insn d =
                tile_dma(G, AN_ISA_LOAD, o->skip_t, stage, C, (int64_t)ob * C,
                         block_width(G, o, ob), t->cy0, t->cx0, t->cth, t->ctw, t->img);
            s = npu_emit(p, &d);
        }
        if (!s) s = chunk_gemms(G, o, t, ch, ob, wbase, k->gmax, acc_t, acc_t + k->pix);
        /* its output: into the handed-on pixels, or after that block */
        const int64_t out = o->hpitch ? wide + (int64_t)ob * C : stage + k->pix * C;
        if (!s && stage >= 0)
            s = add_epilogue(G, o, t, ob, acc_t, stage, out, o->hpitch ? o->hpitch : C);
        else if (!s)
            s = tile_epilogue(G, o, t, ob, k->gmax, acc_t, acc_t + k->pix, wide);
    }
    const int64_t oc = npu_tinfo(p, o->out_t).c;
    if (!s && (o->wst || o->hpitch)) { /* after the last block's held-back VEC */
        const an_isa_insn st = store_insn(G, o, wide, o->hpitch ? o->hpitch : oc, 0, oc, t->fy0,
                                          t->fx0, t->fth, t->ftw, t->img);
        pend_push(G, &st);
    }
    return s;
}

/* A conv whose whole padded input is resident (o->ires; docs/npu.md,
** "resident input"): the input loaded once, into one input half or from
** the start of the first across both, every tile reading its window there;
** the weights resident as usual, or (o->wgrp) a group of output blocks at a
** time, each group's weights loaded once (alternating halves) and then
** every tile of its blocks; with o->wfull a block at a time, the weight
** buffer a ring that the blocks fill one after another (block b's tile j at
** row (b x nchunks + j) x R modulo the buffer), so that a block loads while
** the one before computes except where it wraps onto that one's rows;
** otherwise (one tile) streamed as usual. */
static an_status resident_conv(gen *G, const cop *o, int64_t wbase, cblk *k) {
    cprog *p = G->p;
    const int64_t R = p->cfg->rows;
    npu_chunk ch;
    npu_kpos_chunk(o, 0, &ch);
    int cb0, ncc;
    npu_chunk_load(o, &ch, &cb0, &ncc);
    ctile w = {.cth = o->oh, .ctw = o->ow};
    int64_t in_base = (G->in_flip++ & 1) * p->in_half * (o->ires == 1);
    tile_reads(o, &w, &ch, in_base, R);
    an_status s = AN_OK;
    const int per = o->wgrp ? o->wgrp : o->nob;
    for (int g0 = 0; g0 < o->nob && !s; g0 += per) {
        const int g1 = g0 + per < o->nob ? g0 + per : o->nob;
        int64_t base = wbase;
        if (o->wfull) { /* block g0 next in the ring, in two pieces where it wraps */
            const int64_t ring = 2 * p->wgt_half_rows, at = (int64_t)g0 * o->nchunks * R % ring;
            const int n1 = (int)((ring - at) / R < o->nchunks ? (ring - at) / R : o->nchunks);
            base = 0;
            s = load_weights(p, o, g0, 0, n1, at);
            if (!s && n1 < o->nchunks) s = load_weights(p, o, g0, n1, o->nchunks, 0);
        } else if (o->wgrp) { /* the group's weights, block g0's first */
            const int64_t at = (G->w_flip++ & 1) * p->wgt_half_rows;
            base = at - (int64_t)g0 * o->nchunks * R;
            for (int ob = g0; ob < g1 && !s; ob++)
                s = load_weights(p, o, ob, 0, o->nchunks, at + (int64_t)(ob - g0) * o->nchunks * R);
        }
        if (!s && g0 == 0) s = first_input(G, o, &w, &ch, wbase, 0, &in_base);
        for (int fy0 = 0; fy0 < o->fh && !s; fy0 += o->th)
            for (int fx0 = 0; fx0 < o->fw && !s; fx0 += o->tw) {
                ctile t = tile_at(o, 0, fy0, fx0);
                t.tiw = w.tiw;
                t.in_row =
                    w.in_row + ((int64_t)t.cy0 * o->sh * w.tiw + (int64_t)t.cx0 * o->sw) * ncc;
                s = tile_blocks(G, o, &t, &ch, g0, g1, base, k);
            }
    }
    return s;
}

/* A conv (or dense): parameters and resident weights once, then per tile
** its input (once, a tile ahead in program order so that it loads while
** the tile before computes) and per output block the array's pairs and
** the epilogue; a split reduction's tiles as split_tile says; a resident
** input as resident_conv says. */
static an_status gen_conv(gen *G, const cop *o) {
    cprog *p = G->p;
    const an_npu_config *c = p->cfg;
    const int64_t R = c->rows, C = c->cols;
    const int64_t P = npu_slot_base(o), prm = npu_prm_base(p, o);
    const int64_t pix = (int64_t)npu_max_span(o, 1, o->th) * npu_max_span(o, 0, o->tw);
    const int nq = npu_kpos_nchunks(o);
    int first = 1;
    int64_t next_base = 0; /* where the next tile's input was loaded */
    /* the input handed on chip by the op before (onchip); a hand-off to the
       next (hpitch): every tile's pixels in one staging half, whole. An
       accumulator slot: the conv tile, then the pooled rows (or a fused
       add's other input); with dbl two slots alternate, block by block */
    const int64_t in_hand = G->hand, hand = o->hpitch ? next_stage(G) : -1;
    cblk k = {.P = P,
              .slot = npu_slot_rows(o, pix, (int64_t)o->th * o->tw),
              .pix = pix,
              .hand = hand,
              .hand_bytes = (int64_t)o->nb * o->fh * o->fw * o->hpitch + C,
              .gmax = npu_gemm_pool(o, o->mode, o->nchunks, npu_pool_first(p, o))};
    G->hand = hand;
    an_status s = pend_flush(G);
    /* every block's rows (then a fused add's), unless the conv before
       loaded them (prm_pre); else a fused add's rows after the block's */
    if (!s && o->prm_resident && !o->prm_pre)
        s = load_rows(p, AN_BUF_ACC, prm * 4 * C, o->pdram, npu_param_rows(o), 4 * C);
    else if (!s && !o->prm_resident && o->add_layer >= 0)
        s = load_rows(p, AN_BUF_ACC, (prm + 3) * 4 * C, o->pdram + (int64_t)o->nob * 3 * 4 * C,
                      NPU_FADD_PRM_ROWS, 4 * C);
    /* the next conv's rows, on the other side, while this one's first
       input loads (docs/npu.md, "parameter prefetch") */
    const cop *next = npu_next_conv(p, (int)(o - p->ops));
    if (!s && o->next_rows && next->prm_resident)
        s = load_rows(p, AN_BUF_ACC, npu_prm_base(p, next) * 4 * C, next->pdram,
                      npu_param_rows(next), 4 * C);
    int64_t wbase = 0;
    if (o->wgt_resident) {
        wbase = o->wgt_resident == 2 ? 0 : (G->w_flip++ & 1) * p->wgt_half_rows;
        if (o->wgt_resident == 2) { /* the next weights: into the half that the block the
                                       last tile computes last does not hold */
            const int64_t last = (o->wst ? 0 : o->nob - 1) * (int64_t)o->nchunks * R;
            G->w_flip = last < p->wgt_half_rows;
        }
        if (!s) s = resident_weights(G, o, wbase, 0);
    }
    if (!s && o->ires) {
        s = resident_conv(G, o, wbase, &k);
        return s ? s : pend_flush(G);
    }
    for (int img = 0; img < o->nb && !s; img++)
        for (int fy0 = 0; fy0 < o->fh && !s; fy0 += o->th)
            for (int fx0 = 0; fx0 < o->fw && !s; fx0 += o->tw) {
                ctile t = tile_at(o, img, fy0, fx0);
                if (nq > 1 || o->gload) { /* a split reduction, or per-block windows */
                    s = split_tile(G, o, &t, wbase, P, pix);
                    continue;
                }
                npu_chunk ch;
                npu_kpos_chunk(o, 0, &ch);
                int64_t in_base = next_base;
                if (o->onchip) { /* the op before left the input in its staging bytes */
                    in_base = in_hand;
                    first = 0;
                } else if (first) { /* the first tile's input */
                    s = first_input(G, o, &t, &ch, wbase, 1, &in_base);
                    first = 0;
                }
                tile_reads(o, &t, &ch, in_base, R);
                int nimg = img, nfy = fy0, nfx = fx0 + o->tw;
                if (nfx >= o->fw) nfx = 0, nfy += o->th;
                if (nfy >= o->fh) nfy = 0, nimg++;
                /* the next tile's input loads while this one computes */
                if (!s && nimg < o->nb) {
                    const ctile n = tile_at(o, nimg, nfy, nfx);
                    s = ring_input(G, o, &n, &ch, &next_base);
                }
                if (!s) s = tile_blocks(G, o, &t, &ch, 0, o->nob, wbase, &k);
            }
    return s ? s : pend_flush(G);
}

static an_status gen_pool(gen *G, const cop *o) {
    cprog *p = G->p;
    const int64_t C = p->cfg->cols;
    const int64_t acc_t = 0;
    an_status s = AN_OK;
    const int64_t maxc = (int64_t)npu_max_span(o, 1, o->th) * npu_max_span(o, 0, o->tw);
    const int64_t img_bytes = (int64_t)o->ih * o->iw * o->ic;
    for (int img = 0; img < o->nb && !s; img++)
        for (int fy0 = 0; fy0 < o->fh && !s; fy0 += o->th)
            for (int fx0 = 0; fx0 < o->fw && !s; fx0 += o->tw)
                for (int cb = 0; cb < o->ncb && !s; cb++) {
                    const ctile t = tile_at(o, img, fy0, fx0);
                    const int64_t in_base = (G->in_flip++ & 1) * p->in_half;
                    an_isa_insn d = insn(AN_ISA_LOAD);
                    d.buf = AN_BUF_ACT, d.sram = in_base;
                    d.dram = p->tdram[o->in_t] + img * img_bytes +
                             ((int64_t)t.cy0 * o->iw + t.cx0) * o->ic + (int64_t)cb * C;
                    d.ysize = t.cth, d.xsize = t.ctw;
                    d.xbytes = o->ic - cb * C < C ? o->ic - cb * C : C, d.pitch = C;
                    d.dram_ystride = (int64_t)o->iw * o->ic, d.dram_xstride = o->ic;
                    if ((s = npu_emit(p, &d))) break;
                    an_isa_insn w = vec(AN_VOP_WIDEN, acc_t, in_base, (int64_t)t.cth * t.ctw);
                    w.vpitch = C;
                    if ((s = npu_emit(p, &w))) break;
                    an_isa_insn pl =
                        pool_insn(o, acc_t, t.cy0, t.cx0, t.cth, t.ctw, fy0, fx0, t.fth, t.ftw);
                    pl.dst = acc_t + maxc;
                    if (!(s = npu_emit(p, &pl)))
                        s = tile_store(G, o, vec(AN_VOP_WRITE, 0, pl.dst, (int64_t)t.fth * t.ftw),
                                       next_stage(G), C, fy0, fx0, t.fth, t.ftw, img, cb, 0);
                }
    return s;
}

static an_status gen_add(gen *G, const cop *o) {
    cprog *p = G->p;
    const int64_t C = p->cfg->cols;
    const an_q_layer *l = &p->g->layers[o->layer];
    const an_tensor a = npu_tinfo(p, o->in_t), b = npu_tinfo(p, o->in2_t);
    const int64_t n = (int64_t)p->B * l->h * l->w * l->c, t = o->th;
    const int64_t ra = 6, rb = 6 + t;
    an_status s = load_rows(p, AN_BUF_ACC, 0, o->pdram, 6, 4 * C);
    for (int64_t at = 0; at < n && !s; at += t * C) {
        const int64_t bytes = n - at < t * C ? n - at : t * C, rows = (bytes + C - 1) / C;
        const int64_t in_base = (G->in_flip++ & 1) * p->in_half;
        if ((s = flat_dma(p, AN_ISA_LOAD, in_base, p->tdram[o->in_t] + at, bytes, C)) ||
            (s = flat_dma(p, AN_ISA_LOAD, in_base + t * C, p->tdram[o->in2_t] + at, bytes, C)))
            break;
        /* both inputs widened and rescaled (a side whose rescale is an exact
           shift in its WIDEN), added, requantized into int8 */
        for (int in = 0; in < 2 && !s; in++) {
            const int k = npu_add_exact_shift(l, in);
            an_isa_insn w = vec(AN_VOP_WIDEN, in ? rb : ra, in_base + in * t * C, rows);
            w.vpitch = C, w.shift = k >= 0 ? k : AN_Q_ADD_LEFT_SHIFT;
            w.zp = in ? b.zero_point : a.zero_point;
            an_isa_insn q = vec(AN_VOP_REQUANT, w.dst, 0, rows);
            q.prm = 2 * in;
            if (!(s = npu_emit(p, &w)) && k < 0) s = npu_emit(p, &q);
        }
        an_isa_insn v[2] = {vec(AN_VOP_ADD, ra, rb, rows), vec(AN_VOP_REQUANT, 0, ra, rows)};
        v[1].prm = 4;
        v[1].clamp = 1, v[1].zp = l->zero_point, v[1].lo = l->act_min, v[1].hi = l->act_max;
        const int64_t stage = next_stage(G);
        v[1].wr8 = 1, v[1].dst = stage, v[1].vpitch = C;
        for (int k = 0; k < 2 && !s; k++) s = npu_emit(p, &v[k]);
        if (!s) s = flat_dma(p, AN_ISA_STORE, stage, p->tdram[o->out_t] + at, bytes, C);
    }
    return s;
}

static an_status gen_host(gen *G, const cop *o) {
    cprog *p = G->p;
    const an_q_layer *l = &p->g->layers[o->layer];
    an_npu_host_op *h = &p->host[p->n_host];
    *h = (an_npu_host_op){.op = l->op,
                          .layer = o->layer,
                          .kh = l->kh,
                          .kw = l->kw,
                          .sh = l->sh,
                          .sw = l->sw,
                          .pt = l->pt,
                          .pl = l->pl,
                          .act_min = l->act_min,
                          .act_max = l->act_max};
    const int ids[3] = {o->in_t, l->op == AN_Q_ADD ? o->in2_t : o->in_t, o->out_t};
    an_tensor *t[3] = {&h->in[0], &h->in[1], &h->out};
    for (int k = 0; k < 3; k++) {
        *t[k] = npu_tinfo(p, ids[k]);
        t[k]->dram = p->tdram[ids[k]];
    }
    memcpy(h->add_mult, l->add_mult, sizeof h->add_mult);
    memcpy(h->add_shift, l->add_shift, sizeof h->add_shift);
    an_isa_insn d = insn(AN_ISA_HOST);
    d.host = p->n_host++;
    return npu_emit(p, &d);
}

an_status npu_pass_codegen(cprog *p) {
    gen G = {.p = p, .wpre_ob = -1};
    an_status s = AN_OK;
    for (int k = 0; k < p->n_ops && !s; k++) {
        const cop *o = &p->ops[k];
        p->cur_layer = o->layer;
        switch (o->kind) {
        case COP_CONV:
            s = gen_conv(&G, o);
            break;
        case COP_POOL:
            s = gen_pool(&G, o);
            break;
        case COP_ADD:
            s = gen_add(&G, o);
            break;
        case COP_HOST:
            s = gen_host(&G, o);
            break;
        default:
            break;
        }
        if (s)
            return an_fail_context(s, "%s: layer %d (%s)", p->g->source, o->layer,
                                   p->g->layers[o->layer].name);
    }
    if (!s) {
        an_isa_insn f = insn(AN_ISA_FINISH);
        s = npu_emit(p, &f);
    }
    return s;
}
