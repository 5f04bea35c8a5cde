/*
** Reduction chunks of a kpos convolution (dense included): when one
** tile's whole input window (kh x kw kernel positions x ncb channel blocks
** per output pixel) does not fit an input half of the activation buffer,
** the reduction is split into chunks of rky kernel rows x rkx kernel
** columns x rcb channel blocks, each loaded by its own DMA into the next
** input half; the chunks' GEMMs accumulate into the same accumulator rows
** (partial sums stay on chip across chunks, so no spill is needed).
**
** Contract
** - Chunks are ordered (kernel-row group, kernel-column group, channel-block
**   group); a chunk's weight tiles are consecutive, in (ky, kx, cb) order,
**   so the weight buffer streams them as they come. Unsplit (one chunk),
**   tile j is kernel position j / gcb, channel block j % gcb of the output
**   block's window (group.c; all ncb blocks unless the conv is grouped).
** - When the accumulators hold the partial sums of every output block of a
**   tile at once (npu_kpos_hold), the chunks are the outer loop and each is
**   loaded once per tile; otherwise once per tile and output block.
** - npu_kpos_split picks the largest chunk that fits: channel blocks are
**   split first (no input is loaded twice), then kernel rows, then kernel
**   columns (their halo is reloaded per chunk); group sizes are balanced.
*/
#include "compile_internal.h"

static int cdiv(int64_t a, int64_t b) {
    return (int)((a + b - 1) / b);
}

int npu_kw_groups(const cop *o) {
    return o->bp ? o->bp : o->pk > 1 ? cdiv(o->kw, o->pk) : o->kw;
}

int npu_pk_col(const cop *o, int g) {
    const int G = npu_kw_groups(o);
    if (G == o->kw) return g;
    return g == 0 ? 0 : o->kw - (G - g) * o->pk;
}

int npu_pk_lo(const cop *o, int g) {
    return g >= npu_kw_groups(o) ? o->kw : npu_pk_col(o, g);
}

/* Chunk counts along kernel rows, kernel column groups and channel blocks. */
static void counts(const cop *o, int *ny, int *nx, int *nc) {
    *ny = cdiv(o->kh, o->rky), *nx = cdiv(npu_kw_groups(o), o->rkx), *nc = cdiv(o->gcb, o->rcb);
}

int npu_kpos_nchunks(const cop *o) {
    if (o->mode != AN_NPU_MODE_KPOS) return 1;
    int ny, nx, nc;
    counts(o, &ny, &nx, &nc);
    return ny * nx * nc;
}

void npu_kpos_chunk(const cop *o, int q, npu_chunk *ch) {
    if (o->mode != AN_NPU_MODE_KPOS) { /* the whole reduction */
        *ch = (npu_chunk){0, o->kh, 0, o->kw, 0, o->gcb, 0, o->nchunks, 0, o->gcb};
        return;
    }
    int ny, nx, nc;
    counts(o, &ny, &nx, &nc);
    const int qc = q % nc, qx = q / nc % nx, qy = q / nc / nx;
    ch->ky0 = qy * o->rky, ch->ky1 = ch->ky0 + o->rky < o->kh ? ch->ky0 + o->rky : o->kh;
    const int kwg = npu_kw_groups(o);
    ch->kx0 = qx * o->rkx, ch->kx1 = ch->kx0 + o->rkx < kwg ? ch->kx0 + o->rkx : kwg;
    ch->cb0 = qc * o->rcb, ch->cb1 = ch->cb0 + o->rcb < o->gcb ? ch->cb0 + o->rcb : o->gcb;
    const int nky = ch->ky1 - ch->ky0, nkx = ch->kx1 - ch->kx0, ncc = ch->cb1 - ch->cb0;
    /* tiles of the kernel-row groups before, of the column groups before in
       this row group, of the channel groups before in this cell group */
    ch->j0 = ch->ky0 * kwg * o->gcb + nky * ch->kx0 * o->gcb + nky * nkx * ch->cb0;
    ch->n = nky * nkx * ncc;
    ch->gb = 0, ch->gn = ncc;
}

/* Whether every chunk loads all channel blocks of a pixel (a channel
** window shared by all output blocks). */
static int loads_all(const cop *o) {
    return o->gcb < o->ncb && !o->gload;
}

void npu_chunk_load(const cop *o, const npu_chunk *ch, int *cb0, int *ncc) {
    *cb0 = loads_all(o) ? 0 : ch->gb + ch->cb0;
    *ncc = loads_all(o) ? o->ncb : ch->gn;
}

/* Channel blocks a pixel of a chunk of ncc window blocks loads. */
static int loaded(const cop *o, int ncc) {
    return loads_all(o) ? o->ncb : o->gload > 1 ? o->gw : ncc;
}

void npu_kpos_cell(const npu_chunk *ch, int t, int *ky, int *kx, int *cb) {
    const int ncc = ch->cb1 - ch->cb0, nkx = ch->kx1 - ch->kx0;
    *cb = ch->cb0 + t % ncc;
    *kx = ch->kx0 + t / ncc % nkx;
    *ky = ch->ky0 + t / ncc / nkx;
}

/* Input columns of a chunk of nkx kernel column groups (packed: its
** elements' columns, the whole kernel). */
static int64_t chunk_cols(const cop *o, int nkx) {
    return npu_kw_groups(o) == o->kw ? nkx : npu_pk_col(o, nkx - 1) + 1;
}

/* Input bytes of a chunk of nky x nkx positions x ncc blocks for a cth x
** ctw tile, or -1 when the GEMM's row steps or the DMA's element (a
** pixel's channels) do not fit their fields. */
static int64_t chunk_bytes(const cprog *p, const cop *o, int cth, int ctw, int nky, int nkx,
                           int ncc) {
    const int64_t R = p->cfg->rows;
    const int64_t tih = (int64_t)(cth - 1) * o->sh + nky;
    if (o->bp) /* an element of bp rows per input row and output column */
        return (int64_t)ctw * o->sh * o->bp > AN_ISA_UMAX(GEMM, act_outer) ||
                       o->bp * R > AN_ISA_UMAX(DMA, pitch) ||
                       (o->hrow ? (int64_t)o->ow * o->bp * R > AN_ISA_UMAX(DMA, dram_ystride)
                                : (int64_t)o->kw * o->ic > AN_ISA_UMAX(DMA, xbytes) ||
                                      (int64_t)o->sw * o->ic > AN_ISA_UMAX(DMA, dram_xstride))
                   ? -1
                   : nkx * tih * ctw * R;
    const int64_t tiw = (int64_t)(ctw - 1) * o->sw + chunk_cols(o, nkx);
    if (tiw * o->sh * ncc > AN_ISA_UMAX(GEMM, act_outer) ||
        (int64_t)o->sw * ncc > AN_ISA_UMAX(GEMM, act_inner) || ncc * R > AN_ISA_UMAX(DMA, pitch))
        return -1;
    return tih * tiw * ncc * R;
}

int64_t npu_kpos_whole_bytes(const cprog *p, const cop *o) {
    return chunk_bytes(p, o, o->oh, o->ow, o->kh, npu_kw_groups(o), loaded(o, o->gcb));
}

/* Balanced group size: as many groups as size sz needs, spread evenly. */
static int balance(int total, int sz) {
    return cdiv(total, cdiv(total, sz));
}

static int in_ok(const cprog *p, const cop *o, int cth, int ctw, const int rk[3]) {
    /* a channel window loads every block of a pixel */
    const int64_t b = chunk_bytes(p, o, cth, ctw, rk[0], rk[1], loaded(o, rk[2]));
    return b >= 0 && b <= p->in_half;
}

/* The largest rk[d] in [1, lim] whose chunk fits (the input grows with
** it), balanced over lim; 0 if none (rk[d] is then 1). */
static int largest(const cprog *p, const cop *o, int cth, int ctw, int rk[3], int d, int lim) {
    int lo = 0, hi = lim;
    while (lo < hi) {
        rk[d] = lo + (hi - lo + 1) / 2;
        if (in_ok(p, o, cth, ctw, rk))
            lo = rk[d];
        else
            hi = rk[d] - 1;
    }
    rk[d] = lo ? balance(lim, lo) : 1;
    return lo > 0;
}

int npu_kpos_split(const cprog *p, const cop *o, int cth, int ctw, int split, int rk[3]) {
    const int kwg = npu_kw_groups(o);
    rk[0] = o->kh, rk[1] = kwg, rk[2] = o->gcb;
    if (in_ok(p, o, cth, ctw, rk)) return 1;
    if (!split) return 0;
    if (!loads_all(o) && o->gload <= 1 && largest(p, o, cth, ctw, rk, 2, o->gcb))
        return 1;                                        /* channel blocks */
    if (largest(p, o, cth, ctw, rk, 0, o->kh)) return 1; /* kernel rows */
    if (kwg != o->kw) return 0;                          /* packed groups are not split */
    return largest(p, o, cth, ctw, rk, 1, o->kw);        /* kernel columns */
}

/* Load cycles of one chunk's DMA: whole rows are runs when a pixel's
** channels are all of it and fill whole rows of R; else each pixel. */
static int64_t chunk_cycles(const cprog *p, const cop *o, int cth, int ctw, int nky, int nkx,
                            int ncc) {
    const int64_t R = p->cfg->rows;
    const int64_t tih = (int64_t)(cth - 1) * o->sh + nky;
    if (o->hrow) /* the host's elements: whole rows, one run when they span the output */
        return ctw == o->ow ? npu_cost_dma(p->cfg, 1, tih * ctw * o->bp * R, 0)
                            : npu_cost_dma(p->cfg, tih, ctw * o->bp * R, 0);
    if (o->bp) /* an element per input row and output column */
        return npu_cost_dma(p->cfg, tih * ctw, (int64_t)o->kw * o->ic, tih * ctw);
    const int64_t tiw = (int64_t)(ctw - 1) * o->sw + chunk_cols(o, nkx);
    if (ncc == o->ncb && o->ic % R == 0 && o->dsw == 1) /* whole rows */
        return npu_cost_dma(p->cfg, tih, tiw * o->ic, 2 * tih);
    int64_t xb = (int64_t)ncc * R < o->ic ? (int64_t)ncc * R : o->ic;
    if (npu_kw_groups(o) != o->kw) xb = (int64_t)o->pk * o->ic; /* packed elements */
    return npu_cost_dma(p->cfg, tih * tiw, xb, tih * tiw);
}

int64_t npu_kpos_load_cycles(const cprog *p, const cop *o, const int rk[3], int cth, int ctw) {
    /* each dimension has full groups and at most one smaller last group */
    const int tot[3] = {o->kh, npu_kw_groups(o), o->gcb};
    int size[3][2], cnt[3][2];
    for (int d = 0; d < 3; d++) {
        size[d][0] = rk[d], cnt[d][0] = tot[d] / rk[d];
        size[d][1] = tot[d] % rk[d], cnt[d][1] = size[d][1] > 0;
    }
    int64_t cyc = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            for (int e = 0; e < 2; e++)
                if (cnt[0][a] && cnt[1][b] && cnt[2][e])
                    cyc +=
                        (int64_t)cnt[0][a] * cnt[1][b] * cnt[2][e] *
                        chunk_cycles(p, o, cth, ctw, size[0][a], size[1][b], loaded(o, size[2][e]));
    return cyc;
}

int npu_kpos_hold(const cprog *p, const cop *o, int64_t pix, int64_t fpix) {
    const int has_pool = o->pool_layer >= 0;
    const int64_t rows = npu_free_rows(p, o);
    return o->nob > 1 && !o->gload && o->nob * pix + (has_pool ? fpix : 0) <= rows;
}
