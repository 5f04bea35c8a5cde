/*
** The compiler's intermediate form, shared by its passes:
**   lower    int8 layers -> chip ops (conv and dense as GEMMs, pools and adds
**            on the vector unit, flatten as an alias, host fallbacks)
**   fuse     a pool right after a conv/dense joins it (one pass over the
**            accumulators: bias, requantize, clamp, pool, write int8); a
**            residual add right after a conv joins it too (its other input
**            loaded beside the conv's tile), and a pool after that add
**   tile     tile sizes per op for the buffers; conv lowering chosen by cost
**   alloc    DRAM (weights, parameters, tensors) and SRAM regions
**   codegen  instructions, double-buffered (alternate buffer halves)
**   deps     dependency tokens between the queues (and SYNCs)
**   emit     encode into the executable
*/
#ifndef ASICNN_COMPILE_INTERNAL_H
#define ASICNN_COMPILE_INTERNAL_H

#include "npu_internal.h"

typedef enum cop_kind { COP_CONV = 0, COP_POOL, COP_ADD, COP_ALIAS, COP_HOST, COP_FUSED } cop_kind;

/* One chip op. Conv geometry covers dense too (a 1 x batch image of K
** channels, one image). Pool fields describe a fused or standalone pool. */
typedef struct cop {
    cop_kind kind;
    int layer;      /* int8 layer it comes from */
    int pool_layer; /* fused pool layer, or -1 */
    int add_layer;  /* fused residual add layer (the conv's output is one input), or -1 */
    int skip_t;     /* the fused add's other input tensor */
    int add_side;   /* which input of the add the conv's output is (0 or 1) */
    int mode;       /* an_npu_mode: KPOS or IM2COL for conv; VECTOR; HOST; ALIAS; FUSED */
    int forced;     /* conv lowering forced by the options */
    int nb;         /* images run one after another */
    int ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, pt, pl;
    /* a strided 1x1 conv lowered as a stride-1 one on the subsampled view of
       its input (every dsh-th row and dsw-th column; ih x iw is the view,
       npu_in_ystride / npu_in_xstride its DRAM steps); 1 otherwise */
    int dsh, dsw;
    int pavg, pkh, pkw, psh, psw, ppt, ppl; /* pool window */
    int fh, fw;                             /* final output (after the pool) */
    int in_t, in2_t, out_t;                 /* tensor ids (out_t: final) */
    /* tile */
    int th, tw;        /* final-output tile */
    int tiles;         /* per image */
    int nob, ncb, kr;  /* output-channel blocks, input-channel blocks, im2col rows per pixel */
    int gcb;           /* kpos: channel blocks an output block reads (group.c; ncb ungrouped) */
    int gload;         /* grouped kpos: output blocks per load of only their channel windows
                          (0: whole pixels, once for every block; group.c) */
    int gw;            /* with gload > 1: channel blocks such a load holds per pixel */
    int rky, rkx, rcb; /* kpos reduction chunk: kernel rows, columns, channel blocks (chunk.c) */
    int pk;            /* kpos: kernel columns packed in one activation row (npu_kw_groups) */
    int bp;            /* kpos: rows of a kernel-row element (npu_kw_groups), or 0 */
    int hrow;          /* bp: the host writes the elements (the network input,
                          AN_NPU_IN_KROW), padding included */
    int split;         /* kpos may split the reduction into chunks (tile pass) */
    int hold;          /* split: every output block's partial sums held at once (chunk.c) */
    int nchunks;       /* weight tiles per output block */
    int wgt_resident;  /* all weight tiles stay in one half of the weight buffer (1),
                          or, with several tiles, in the whole buffer (2) */
    int dbl;           /* two accumulator slots: an epilogue runs beside the next GEMMs */
    int wst;           /* a tile's blocks staged as whole pixels, one contiguous STORE */
    int hpitch;        /* wst of one tile: staging bytes a pixel for the next op, else 0 */
    int onchip;        /* its input is the op before's staging bytes (hpitch), no LOAD */
    /* input resident (docs/npu.md, "resident input"): the whole padded input
       of the image is loaded once, into one input half (1) or across both
       (2), and every tile reads its window there; 0 otherwise */
    int ires;
    /* with ires and weights that do not fit a half: output blocks per
       weight group, the groups the outer loop (each group's weights loaded
       once, into a half, or into the whole weight buffer with wfull, then
       every tile of those blocks); 0: tiles outer, weights per tile */
    int wgrp, wfull;
    int prm_resident;  /* conv parameter rows of every block stay in the accumulators */
    int prm_pre;       /* its parameter rows were loaded by the conv before (prefetch) */
    int prm_top;       /* its parameter rows at the top of the accumulators (else row 0) */
    int64_t next_rows; /* the next conv's parameter rows, loaded at the start of this one
                          on the other side of the accumulators (prefetch), or 0 */
    int64_t cost;      /* estimated cycles, for the report */
    /* alloc */
    int64_t wdram, pdram; /* weight tiles / parameter rows in DATA */
} cop;

/* Candidate lowerings and tiles an op keeps for the tile search. */
#define NPU_TILE_CANDS 4

typedef struct cprog {
    const an_q_graph *g;
    const an_npu_config *cfg;
    an_npu_compile_opts o;
    int B;
    cop *ops;
    int n_ops;
    int64_t *tdram; /* [n_layers + 1] DRAM offset of each tensor, -1 if none */
    int64_t dram_size;
    uint8_t *data; /* DATA image */
    int64_t data_size;
    int layout_only; /* a tile-search build: DATA laid out, not filled (data NULL:
                        the timing and the loader's checks never read its bytes) */
    /* SRAM split (bytes / rows) */
    int64_t in_half, stage_half, wgt_half_rows;
    /* instructions, encoded as npu_emit gets them (32 bytes each, not the
       decoded form's 464: a 16x16 array makes ResNet-50 a million) */
    an_insn *ins;
    int *ins_layer; /* layer of each instruction */
    int64_t n_ins, cap_ins;
    an_npu_host_op *host;
    int n_host;
    int cur_layer;
    an_buf dump;   /* --print-after text */
    an_buf search; /* the tile search's rounds, printed after the tile pass */
    /* tile search: candidate states of each op (npu_tile_candidates) */
    cop *cand;   /* [n_ops * NPU_TILE_CANDS] */
    int *n_cand; /* [n_ops]: 0 for an op without tiles */
} cprog;

/* Accumulator rows of parameters: a standalone add's three multiplier and
** shift pairs; a fused add's (docs/npu.md, "Fusion"): those three, the
** (2^30, 21) pair that shifts left by 20 and the row of minus the conv
** output's zero point. */
#define NPU_ADD_PRM_ROWS  6
#define NPU_FADD_PRM_ROWS 9

/* The left shift k when add layer a's rescale of its input `in`, MBQM((x -
** zp) << 20, m, e), is exactly (x - zp) << k: m = 2^30 (one half, which the
** input of the larger scale always has) and e >= 1 - 20, so the MBQM only
** halves and shifts right by whole bits that are zero. -1 otherwise. The
** epilogue then folds the rescale into the shift that widens the input and
** skips its pass (docs/npu.md, "fusion"). */
static inline int npu_add_exact_shift(const an_q_layer *a, int in) {
    const int k = AN_Q_ADD_LEFT_SHIFT - 1 + a->add_shift[in];
    return a->add_mult[in] == (INT32_C(1) << 30) && k >= 0 ? k : -1;
}

/* Accumulator rows reserved for parameters (a conv keeps bias, multiplier
** and shift rows of every output block for the whole layer, then a fused
** add's). */
int64_t npu_param_rows(const cop *o);
/* Accumulator rows of op o's parameters: its own at row 0, or at the top
** when the conv before loaded them there (prm_top); the next conv's, that o
** loads, on the other side (next_rows; docs/npu.md, "parameter prefetch").
** o's slots lie between: from npu_slot_base, npu_free_rows of them. */
int64_t npu_prm_base(const cprog *p, const cop *o);
int64_t npu_slot_base(const cop *o);
int64_t npu_free_rows(const cprog *p, const cop *o);
/* The op after op k past fused ops and aliases, if it is a conv; else NULL. */
const cop *npu_next_conv(const cprog *p, int k);
/* Accumulator rows of one slot of a tile of pix conv pixels and fpix final
** ones: the conv rows (and the other input's rows of a fused add), the
** pooled rows of a fused pool. */
int64_t npu_slot_rows(const cop *o, int64_t pix, int64_t fpix);

an_status npu_pass_lower(cprog *p);
an_status npu_pass_fuse(cprog *p);
an_status npu_pass_tile(cprog *p);
an_status npu_pass_alloc(cprog *p);
an_status npu_pass_codegen(cprog *p);
an_status npu_pass_deps(cprog *p);
/* Tile search (search.c): sets every op to its candidate that times best. */
an_status npu_pass_search(cprog *p);

/* The passes after the tile search (alloc, codegen, deps, emit) into x,
** checked by the loader's checks (an_npu_validate); on failure x is empty.
** They run again after npu_build_reset, which frees what they built. */
an_status npu_build(cprog *p, an_npu_exe *x);
an_status npu_build_reset(cprog *p);

/* Tile pass pieces the search reuses (lower.c, search.c). npu_tile_fits:
** whether a th x tw final tile of op o fits in mode; cost[0] gets its
** estimate with one accumulator slot, cost[1] with two (-1 when two do not
** fit or the reduction is split). npu_tile_settle: give o that tile and what
** follows from it. npu_tile_candidates: record op k's candidates (its own
** state first). npu_tile_handoff: the on-chip hand-offs the ops' tiles
** allow. npu_mode_allowed: whether the options let op o use mode. */
int npu_tile_fits(const cprog *p, const cop *o, int mode, int th, int tw, int64_t cost[2]);
void npu_tile_settle(const cprog *p, cop *o, int th, int tw, int64_t cost);
void npu_tile_candidates(cprog *p, int k);
void npu_tile_handoff(cprog *p);
int npu_mode_allowed(const cprog *p, const cop *o, int mode);

/* Append an instruction (tagged with p->cur_layer), encoded: a field that
** does not fit fails here, naming the layer. */
an_status npu_emit(cprog *p, const an_isa_insn *d);

/* Conv-output rows (vertical) or columns [*c0, *c1) that final rows/columns
** [f0, f0 + n) need: the same ones without a pool, the pool windows' cells
** (clipped to the conv output) with one. */
void npu_span(const cop *o, int vertical, int f0, int n, int *c0, int *c1);

/* The largest conv-output span (vertical or horizontal) of any final tile
** of n rows/columns: the accumulator rows a tile reserves are the product. */
int npu_max_span(const cop *o, int vertical, int n);

/* Closed-form cycle estimates (cost.c, docs/timing.md). A DMA of runs runs
** of run_bytes each plus pad cycles of padding; a conv/pool op tiled th x tw
** (final output) in mode, all its images; with dbl the accumulators hold
** two tiles and each epilogue runs beside the next tile's GEMMs. */
int64_t npu_cost_dma(const an_npu_config *c, int64_t runs, int64_t run_bytes, int64_t pad);
int64_t npu_conv_cost(const cprog *p, const cop *o, int mode, int th, int tw, int dbl);
/* Whether conv o's weights, more than half the weight buffer but no more
** than all of it, cost less loaded once into the whole buffer than
** streamed again for each of its several tiles (wgt_resident 2). */
int npu_wgt_whole(const cprog *p, const cop *o, int mode, int th, int tw, int dbl);

/* Whether conv op o max-pools before its bias and requantization (exact
** when every multiplier is >= 0 and no sum plus bias can wrap: both are
** then non-decreasing). */
int npu_pool_first(const cprog *p, const cop *o);
/* Whether the GEMMs themselves max-pool o (GEMM max into the pooled rows):
** in mode with chunks weight tiles per output block: the reduction fits one
** tile, im2col rows, non-overlapping windows, no pool padding (every
** window wholly inside the conv output, bottom and right too), and
** pool_first (npu_pool_first) holds. */
int npu_gemm_pool(const cop *o, int mode, int64_t chunks, int pool_first);

/* Reduction chunks of a kpos conv (chunk.c): kernel rows [ky0, ky1), columns
** [kx0, kx1), channel blocks [cb0, cb1); weight tiles j0 .. j0 + n - 1, in
** (ky, kx, cb) order. Other modes are one chunk of all nchunks weight tiles
** (whose cells mean nothing there). */
typedef struct npu_chunk {
    int ky0, ky1, kx0, kx1, cb0, cb1;
    int j0, n;
    int gb; /* with o->gload: the first channel block its load group reads (cb0, cb1 past it) */
    int gn; /* channel blocks its DMA loads per pixel (gload > 1: the group's; else cb1 - cb0) */
} npu_chunk;
int npu_kpos_nchunks(const cop *o);
void npu_kpos_chunk(const cop *o, int q, npu_chunk *ch);
/* Kernel position and channel block of tile t of chunk ch. */
void npu_kpos_cell(const npu_chunk *ch, int t, int *ky, int *kx, int *cb);
/* rk[] = {rky, rkx, rcb} for a cth x ctw conv tile: the whole reduction
** when its input fits an input half, else (with split) the largest chunk
** that does; 0 when none fits. */
int npu_kpos_split(const cprog *p, const cop *o, int cth, int ctw, int split, int rk[3]);
/* Whether a split reduction's tile of pix conv pixels (fpix final ones)
** can hold the partial sums of all output blocks at once in the
** accumulators (block ob's at the tile rows + ob * pix, the pooled rows
** after them): then each chunk loads once per tile, not once per block. */
int npu_kpos_hold(const cprog *p, const cop *o, int64_t pix, int64_t fpix);
/* Bytes of the whole padded input of kpos op o (every conv pixel's
** window, all channel blocks, one chunk), or -1 when the GEMM or DMA fields
** cannot address it (the input-resident form, o->ires). */
int64_t npu_kpos_whole_bytes(const cprog *p, const cop *o);
/* Load-queue cycles of every chunk of a cth x ctw tile split as rk. */
int64_t npu_kpos_load_cycles(const cprog *p, const cop *o, const int rk[3], int cth, int ctw);

/* Packed kpos (o->pk > 1: at most R / ic input channels, no horizontal
** padding): a row of the activation buffer holds pk horizontally adjacent
** input pixels (one DMA element of pk x ic bytes, contiguous in DRAM), so
** one weight tile covers pk kernel columns. The kw kernel columns form
** npu_kw_groups(o) groups, aligned to the right so that no element reads
** past the image's last column: group g's element starts at kernel column
** npu_pk_col(o, g) and holds columns [npu_pk_lo(o, g), npu_pk_lo(o, g + 1))
** (group 0 may hold fewer than pk; the rest of its row has zero weights).
** Unpacked, groups are columns. */
/* Kernel-row elements (o->bp > 0: fewer than R input channels, no
** horizontal padding): for each input row of a tile and each output column
** x, one DMA element holds the kw x ic bytes of x's kernel row (contiguous
** in DRAM; the elements overlap) in bp = ceil(kw * ic / R) rows of R, so
** weight tile g covers bytes [g * R, g * R + R) of a kernel row and a
** kernel row takes bp pairs (LeNet-5's second conv: 2 instead of 3 packed
** groups). The groups are those bp rows then. With o->hrow (the conv alone
** reads the network input) the host writes the elements of every padded
** input row (AN_NPU_IN_KROW), so any padding is allowed and a tile's input
** is whole rows of one DMA. */
int npu_kw_groups(const cop *o);
/* With o->hrow: rows of the padded input the host writes per sample. */
static inline int64_t npu_hrow_rows(const cop *o) {
    return (int64_t)(o->oh - 1) * o->sh + o->kh;
}
int npu_pk_col(const cop *o, int g);
int npu_pk_lo(const cop *o, int g);

/* Grouped convolution (group.c): the layer's groups (1 for any other op);
** the weight of the ordinary conv it runs as, output channel oc, OHWI
** index kk over all ic input channels (0 off the groups); the channel
** blocks gcb an output block reads (ncb ungrouped or unwindowed) and the
** first of them for block ob. */
int npu_groups(const an_q_layer *l);
int8_t npu_weight(const an_q_layer *l, int ic, int64_t oc, int64_t kk);
int npu_group_window(const cprog *p, const cop *o);
int npu_group_cb0(const cprog *p, const cop *o, int ob);
/* The most channel blocks the windows of per consecutive output blocks
** span (a load group of o->gload = per blocks). */
int npu_group_span(const cprog *p, const cop *o, int per);
/* Add the n load variants alt[] of op k (states settled on their tiles)
** other than its own to its tile-search candidates, fewest blocks a load
** first, while there is room: the estimate of narrow loads is rough (it
** ranks them in the wrong order on MobileNetV2's late layers), the timing
** decides. */
#define NPU_GROUP_ALTS 8
void npu_group_candidates(cprog *p, int k, cop *alt, int n);
/* The channel blocks chunk ch's DMA loads per pixel: [*cb0, *cb0 + *ncc)
** (windowed: every block of a pixel, once for all output blocks; with
** gload the chunk's blocks of its output block's window, from ch->gb). */
void npu_chunk_load(const cop *o, const npu_chunk *ch, int *cb0, int *ncc);

/* DRAM bytes from one input row (pixel) of op o's ih x iw input to the
** next: the image's row (pixel) times dsh (dsw). */
int64_t npu_in_ystride(const cprog *p, const cop *o);
int64_t npu_in_xstride(const cop *o);

/* Tensor shape/qparams helpers. */
an_tensor npu_tinfo(const cprog *p, int t);

#endif /* ASICNN_COMPILE_INTERNAL_H */
