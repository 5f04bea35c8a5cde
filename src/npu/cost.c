/*
** The compiler's cycle estimate of a conv/dense tiling, from the closed
** forms of docs/timing.md, so that lowering and tile choices follow the
** cycles the chip will spend:
**   DMA      L + ceil(bus / BW) + pad; bus = whole bursts of each run
**            (a run: bytes contiguous in DRAM and SRAM; narrow strided
**            elements cost a burst each), pad = one cycle per burst of each
**            padding stretch.
**   array    a PRELOAD/GEMM pair of T rows issues in max(T, R) cycles once
**            the pairs pipeline (two weight banks); results complete
**            R + C - 2 later, and the vector unit waits for them.
**   vector   n rows x ceil(C / lanes), plus AN_REQUANT_STAGES for a pass
**            that requantizes; pools every window cell; with two
**            accumulator slots it runs beside the next block's pairs. A
**            fused add's epilogue is five to seven passes (a side whose
**            rescale is an exact shift has none); all but the other
**            input's WIDEN run beside the next block's pairs, one after
**            each PRELOAD, each waiting for the array to drain.
** A kpos reduction split into chunks (chunk.c) loads each chunk by its own
** DMA, again for every output block. With the input resident (ires) the
** load queue carries the whole input and the weights once; the array
** waits for the input and the first weight group.
** The three queues overlap across tiles (double buffering), so a layer
** costs about tiles x max(load, compute, store) per tile plus one tile's
** load and store to fill and drain the pipeline, plus its weights when
** they are loaded once for the layer (in half the weight buffer, or in
** the whole of it when that costs less than streaming them per tile).
*/
#include "compile_internal.h"

static int64_t cdiv64(int64_t a, int64_t b) {
    return (a + b - 1) / b;
}

int64_t npu_cost_dma(const an_npu_config *c, int64_t runs, int64_t run_bytes, int64_t pad) {
    const int64_t B = c->dram_burst;
    const int64_t bus = runs * cdiv64(run_bytes, B) * B;
    return c->dram_latency + (int64_t)((double)bus / c->dram_bytes_per_cycle + 0.999999) + pad;
}

int npu_pool_first(const cprog *p, const cop *o) {
    const an_q_layer *l = &p->g->layers[o->layer];
    if (o->kind != COP_CONV || o->pool_layer < 0 || o->pavg || o->add_layer >= 0) return 0;
    /* monotonic: positive multipliers (the left shift saturates), and no
       accumulator plus bias can wrap around int32 */
    const int64_t most = (int64_t)l->k * 128 * 128;
    for (int32_t ch = 0; ch < l->c; ch++)
        if (l->mult[ch] < 0 ||
            most + (l->bias[ch] < 0 ? -(int64_t)l->bias[ch] : l->bias[ch]) > INT32_MAX)
            return 0;
    return 1;
}

int npu_gemm_pool(const cop *o, int mode, int64_t chunks, int pool_first) {
    return pool_first && chunks == 1 &&
           (mode == AN_NPU_MODE_IM2COL || mode == AN_NPU_MODE_IM2COL_IN) && o->pkh == o->psh &&
           o->pkw == o->psw && o->ppt == 0 && o->ppl == 0 && (int64_t)o->fh * o->psh <= o->oh &&
           (int64_t)o->fw * o->psw <= o->ow;
}

/* Load-queue cycles of one tile's input in mode (cth x ctw conv pixels). */
static int64_t input_cycles(const cprog *p, const cop *o, int mode, int cth, int ctw,
                            int64_t fpix) {
    const an_npu_config *c = p->cfg;
    const int64_t R = c->rows, pix = (int64_t)cth * ctw;
    if (o->kind == COP_POOL) return npu_cost_dma(c, pix, o->ic < c->cols ? o->ic : c->cols, 0);
    if (mode == AN_NPU_MODE_IM2COL_IN) {
        const int64_t px = (int64_t)o->kr * R;
        return ctw == o->ow ? npu_cost_dma(c, 1, pix * px, 0) : npu_cost_dma(c, cth, ctw * px, 0);
    }
    if (mode == AN_NPU_MODE_IM2COL) /* per pixel: kh rows of kw * ic bytes, the tail padded */
        return pix * npu_cost_dma(c, o->kh, (int64_t)o->kw * o->ic, 1);
    /* kpos: one DMA per reduction chunk (the whole window unless it is
       split, and then again for every output block unless the accumulators
       hold them all), a pixel's channels padded to whole rows of R */
    int rk[3];
    npu_kpos_split(p, o, cth, ctw, o->split, rk);
    const int once = !o->gload && ((rk[0] == o->kh && rk[1] == o->kw && rk[2] == o->gcb) ||
                                   npu_kpos_hold(p, o, (int64_t)cth * ctw, fpix));
    const int64_t loads = once ? 1 : o->gload ? cdiv64(o->nob, o->gload) : o->nob;
    return npu_kpos_load_cycles(p, o, rk, cth, ctw) * loads;
}

/* Weight tiles per output block of op o lowered in mode (0 for a pool). */
static int64_t block_tiles(const cop *o, int mode) {
    return o->kind == COP_POOL        ? 0
           : mode == AN_NPU_MODE_KPOS ? (int64_t)o->kh * npu_kw_groups(o) * o->gcb
                                      : o->kr;
}

/* Tiles of a th x tw final tile over all of op o's images. */
static int64_t tile_count(const cop *o, int th, int tw) {
    return cdiv64(o->fh, th) * cdiv64(o->fw, tw) * o->nb;
}

/* The estimate with the weights streamed for every tile that needs them
** again, or (whole) loaded once into the whole weight buffer. */
static int64_t conv_cost(const cprog *p, const cop *o, int mode, int th, int tw, int dbl,
                         int whole) {
    const an_npu_config *c = p->cfg;
    const int64_t R = c->rows, C = c->cols, lanes = cdiv64(C, c->vec_lanes);
    const int cth = npu_max_span(o, 1, th), ctw = npu_max_span(o, 0, tw);
    const int64_t pix = (int64_t)cth * ctw, fpix = (int64_t)th * tw;
    const int has_pool = o->kind == COP_POOL || o->pool_layer >= 0;
    const int64_t tiles = tile_count(o, th, tw);
    const int64_t nob = o->kind == COP_POOL ? o->ncb : o->nob;
    const int64_t chunks = block_tiles(o, mode);
    const int ires = o->ires && mode == AN_NPU_MODE_KPOS;
    int64_t ld = ires ? 0 : input_cycles(p, o, mode, cth, ctw, fpix);
    if (o->add_layer >= 0) /* the add's other input, a block at a time */
        ld += nob * (o->oc <= C && ctw == o->ow ? npu_cost_dma(c, 1, pix * o->oc, 0)
                     : o->oc <= C               ? npu_cost_dma(c, cth, ctw * o->oc, 0)
                                                : npu_cost_dma(c, pix, C, 0));
    /* per output block: the array's pairs, their drain, the epilogue: one
       vector pass, requantize and write (on the rows the GEMMs pooled with
       max), or pool the requantized cells and write; beside the next
       block's pairs with dbl */
    const int first = npu_pool_first(p, o), gmax = npu_gemm_pool(o, mode, chunks, first);
    const int64_t pool = has_pool && !gmax ? fpix * o->pkh * o->pkw : 0;
    const int64_t epi = pool ? pool : fpix;
    int64_t cp = 0;
    if (o->kind == COP_POOL) {
        cp = nob * (lanes * (pix + pool + fpix) + AN_REQUANT_STAGES);
    } else if (o->add_layer >= 0) { /* WIDEN alone, then the passes beside the pairs */
        const an_q_layer *a = &p->g->layers[o->add_layer];
        const int64_t rq = 2 + (npu_add_exact_shift(a, o->add_side) < 0) +
                           (npu_add_exact_shift(a, 1 - o->add_side) < 0); /* then ADD, epi */
        const int64_t drain = R + C - 2, arr = chunks * (pix > R ? pix : R) + drain;
        const int64_t side = lanes * ((rq + 1) * pix + epi) + (rq + 1) * AN_REQUANT_STAGES;
        const int64_t lap = arr + drain; /* (the passes after the WIDEN: nodrain) */
        cp = nob * (lanes * pix + (dbl ? (lap > side ? lap : side) : arr + side));
    } else {
        const int64_t arr = chunks * (pix > R ? pix : R) + R + C - 2;
        const int64_t vec = lanes * epi + AN_REQUANT_STAGES;
        cp = nob * (dbl ? (arr + 1 > vec ? arr + 1 : vec) : arr + vec);
    }
    const int64_t cw = o->oc < C ? o->oc : C;
    int64_t st = nob * (cw == o->oc && tw == o->fw ? npu_cost_dma(c, 1, fpix * cw, 0)
                                                   : npu_cost_dma(c, fpix, cw, 0));
    if (o->kind == COP_CONV && o->add_layer < 0 && chunks && (nob > 1 || o->oc < C) &&
        fpix * o->oc + C <= p->stage_half && !(ires && o->wgrp))
        st = tw == o->fw ? npu_cost_dma(c, 1, fpix * o->oc, 0) : npu_cost_dma(c, th, tw * o->oc, 0);
    int64_t wgt = 0; /* weights: once for the layer, or with every tile when they stream */
    const int64_t wbytes = nob * chunks * R * C;
    if (ires) { /* the input once; weights once, a group at a time (wgrp) */
        const int rk[3] = {o->kh, npu_kw_groups(o), o->gcb};
        const int64_t in = npu_kpos_load_cycles(p, o, rk, o->oh, o->ow);
        const int64_t all = npu_cost_dma(c, 1, wbytes, 0);
        /* the array waits for: the first group; all of them with wfull
           (each waits for the one before to finish); the first half when
           they stream (one tile) */
        const int64_t wfirst = o->wgrp && !o->wfull ? all / cdiv64(nob, o->wgrp)
                               : wbytes / C > p->wgt_half_rows && !o->wgrp
                                   ? npu_cost_dma(c, 1, p->wgt_half_rows * C, 0)
                                   : all;
        int64_t per = ld > cp ? ld : cp, busy = in + all + tiles * ld;
        if (st > per) per = st;
        if (in + wfirst + tiles * per > busy) busy = in + wfirst + tiles * per;
        return busy + st;
    }
    if (chunks && (wbytes / C <= p->wgt_half_rows || whole)) /* resident */
        wgt = npu_cost_dma(c, 1, wbytes, 0);
    else if (chunks)
        ld += npu_cost_dma(c, cdiv64(wbytes / C, p->wgt_half_rows), p->wgt_half_rows * C, 0);
    int64_t per = ld > cp ? ld : cp;
    if (st > per) per = st;
    return tiles * per + ld + st + wgt;
}

/* Whether conv o's weights may stay in the whole weight buffer instead of
** streaming: more than half of it, no more than all, several tiles (not a
** resident input's, nor a grouped conv's channel windows). */
static int whole_fits(const cprog *p, const cop *o, int mode, int th, int tw) {
    const int64_t rows = o->nob * block_tiles(o, mode) * p->cfg->rows;
    return o->kind == COP_CONV && !o->ires && !o->gload && o->gcb == o->ncb &&
           tile_count(o, th, tw) > 1 && rows > p->wgt_half_rows && rows <= 2 * p->wgt_half_rows;
}

int npu_wgt_whole(const cprog *p, const cop *o, int mode, int th, int tw, int dbl) {
    return whole_fits(p, o, mode, th, tw) &&
           conv_cost(p, o, mode, th, tw, dbl, 1) < conv_cost(p, o, mode, th, tw, dbl, 0);
}

int64_t npu_conv_cost(const cprog *p, const cop *o, int mode, int th, int tw, int dbl) {
    const int64_t streamed = conv_cost(p, o, mode, th, tw, dbl, 0);
    if (!whole_fits(p, o, mode, th, tw)) return streamed;
    const int64_t whole = conv_cost(p, o, mode, th, tw, dbl, 1);
    return whole < streamed ? whole : streamed;
}
