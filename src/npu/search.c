/*
** Tile search: the compiler's choice rests on the cycles the chip will
** spend, counted by the machine model's timing (npu_time, the same model
** the simulator runs), not on the closed-form estimate alone.
**
** The tile pass leaves every conv and pool op a few candidates
** (npu_tile_candidates): its own pick by the estimate first, then the
** cheapest and the largest tile of each lowering the options allow, and
** the pick with the other number of accumulator slots, those whose
** estimate is within a quarter of its pick's (the estimate has not been
** that far off the count; timing others only costs compile time). This pass compiles
** the program once per round r (every op its r-th candidate, its last when
** it has fewer), times each round, and keeps for every op the candidate
** whose round gave its layer the fewest cycles (a layer owns the cycles
** from the completion of the layers before it to its own). Layers overlap
** (prefetch, hand-off), so that mix is compiled and timed too, and the best
** round replaces it when it is slower; a round that fails to compile or to
** pass the loader's checks is left out. Round 0 is the estimate's program,
** so the search never makes a program slower than it was. When the
** estimate's program (its PRELOAD/GEMM pairs) times the builds would exceed
** NPU_SEARCH_BUDGET_INSNS, the search is skipped (compile time). A round's
** build lays out the weights without writing them (nothing it checks or
** times reads them).
*/
#include "compile_internal.h"

#include <stdlib.h>
#include <string.h>

/* The most instructions the search builds in all (rounds and the mix, each
** the size of round 0's program): compile time grows with it, so a large
** program (ResNet-50 on a 16x16 array: a million instructions) keeps the
** estimate's tiles. */
#define NPU_SEARCH_BUDGET_INSNS INT64_C(2000000)

/* A lowering and tile for an op: its mode, final tile and slots. */
typedef struct alt {
    int mode, th, tw, dbl;
    int64_t cost; /* the closed-form estimate */
} alt;

static int same_alt(const alt *a, const alt *b) {
    return a->mode == b->mode && a->th == b->th && a->tw == b->tw && a->dbl == b->dbl;
}

/* Add a to the n alternatives in as (at most cap), unless it is there. */
static void add_alt(alt *as, int *n, int cap, const alt *a) {
    for (int i = 0; i < *n; i++)
        if (same_alt(&as[i], a)) return;
    if (*n < cap) as[(*n)++] = *a;
}

/* The cheapest (ties: more pixels) and the largest (ties: cheaper) tile of
** op o in mode, with either number of slots, added to as. */
static void scan_mode(const cprog *p, const cop *o, int mode, alt *as, int *n, int cap) {
    alt least = {.cost = -1}, most = {.cost = -1};
    for (int w = o->fw; w >= 1; w--)
        for (int h = 1; h <= o->fh; h++) {
            int64_t c[2];
            if (!npu_tile_fits(p, o, mode, h, w, c)) break;
            const int64_t px = (int64_t)h * w;
            for (int d = 0; d < 2; d++) {
                if (c[d] < 0) continue;
                const alt a = {mode, h, w, d, c[d]};
                const int64_t lpx = (int64_t)least.th * least.tw, mpx = (int64_t)most.th * most.tw;
                if (least.cost < 0 || c[d] < least.cost || (c[d] == least.cost && px > lpx))
                    least = a;
                if (most.cost < 0 || px > mpx || (px == mpx && c[d] < most.cost)) most = a;
            }
        }
    if (least.cost >= 0) add_alt(as, n, cap, &least);
    if (most.cost >= 0) add_alt(as, n, cap, &most);
}

void npu_tile_candidates(cprog *p, int k) {
    const cop *o = &p->ops[k];
    cop *cand = p->cand + (int64_t)k * NPU_TILE_CANDS;
    cand[0] = *o;
    p->n_cand[k] = 1;
    enum { CAP = 16 };
    alt as[CAP];
    int n = 0;
    const alt mine = {o->mode, o->th, o->tw, o->dbl, o->cost};
    add_alt(as, &n, CAP, &mine);
    int64_t c[2]; /* the same tile with the other number of slots */
    if (npu_tile_fits(p, o, o->mode, o->th, o->tw, c) && c[!o->dbl] >= 0) {
        const alt other = {o->mode, o->th, o->tw, !o->dbl, c[!o->dbl]};
        add_alt(as, &n, CAP, &other);
    }
    /* other lowerings only from the plain state: a split reduction or
       kernel-row elements belong to the lowering they were chosen for */
    const int modes[3] = {AN_NPU_MODE_KPOS, AN_NPU_MODE_IM2COL, AN_NPU_MODE_IM2COL_IN};
    for (int m = 0; m < 3; m++) {
        if (o->kind == COP_POOL
                ? m > 0
                : !npu_mode_allowed(p, o, modes[m]) ||
                      (modes[m] != o->mode && (o->bp || o->split || o->gload || o->ires)))
            continue;
        scan_mode(p, o, o->kind == COP_POOL ? o->mode : modes[m], as, &n, CAP);
    }
    /* the estimate's pick first, then the others by their estimate */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 1 && as[j].cost < as[j - 1].cost; j--) {
            const alt t = as[j];
            as[j] = as[j - 1], as[j - 1] = t;
        }
    for (int i = 1; i < n && p->n_cand[k] < NPU_TILE_CANDS; i++) {
        if (as[i].cost > o->cost + o->cost / 4) break; /* the estimate is not that far off */
        cop *t = &cand[p->n_cand[k]++];
        *t = *o;
        t->mode = as[i].mode, t->dbl = as[i].dbl;
        npu_tile_settle(p, t, as[i].th, as[i].tw, as[i].cost);
    }
}

/* Set every op to its candidate choice[k], then the hand-offs they allow. */
static void apply(cprog *p, const int *choice) {
    for (int k = 0; k < p->n_ops; k++)
        if (p->n_cand[k]) p->ops[k] = p->cand[(int64_t)k * NPU_TILE_CANDS + choice[k]];
    npu_tile_handoff(p);
}

/* Compile with choice and time it: *total cycles, owned[layer] per layer
** ([n_layers + 1]). */
static an_status try_choice(cprog *p, const int *choice, int64_t *total, int64_t *owned) {
    apply(p, choice);
    an_npu_exe x;
    p->layout_only = 1;
    an_status s = npu_build(p, &x); /* x is empty when it fails */
    p->layout_only = 0;
    if (s) return s;
    npu_timing *t = NULL;
    s = npu_time(&x, &t);
    if (!s) *total = npu_timing_sums(t, NULL, NULL, NULL, owned);
    npu_timing_free(t);
    an_npu_exe_free(&x);
    return s;
}

/* PRELOAD/GEMM pairs of the estimate's program (most of its instructions). */
static int64_t array_pairs(const cprog *p) {
    int64_t n = 0;
    for (int k = 0; k < p->n_ops; k++) {
        const cop *o = &p->ops[k];
        if (o->kind == COP_CONV) n += (int64_t)o->nb * o->tiles * o->nob * o->nchunks;
    }
    return n;
}

an_status npu_pass_search(cprog *p) {
    const int L = p->g->n_layers;
    int rounds = 1;
    for (int k = 0; k < p->n_ops; k++)
        if (p->n_cand[k] > rounds) rounds = p->n_cand[k];
    const size_t nk = p->n_ops > 0 ? (size_t)p->n_ops : 1, nl = L > 0 ? (size_t)L + 1 : 1;
    int *choice = calloc(nk, sizeof *choice); /* [n_ops] */
    if (!choice) return an_fail(AN_ERR_NOMEM, "out of memory for the tile search");
    const int64_t pairs = array_pairs(p);
    if (!p->o.no_search && rounds > 1 && 2 * pairs * (rounds + 1) > NPU_SEARCH_BUDGET_INSNS) {
        an_buf_printf(
            &p->search,
            "== tile search skipped: about %lld instructions x %d builds exceed %lld ==\n",
            (long long)(2 * pairs), rounds + 1, (long long)NPU_SEARCH_BUDGET_INSNS);
        rounds = 1; /* the estimate's program, as --no-search */
    }
    if (p->o.no_search || rounds == 1) {
        apply(p, choice);
        free(choice);
        return npu_build_reset(p);
    }
    int64_t *owned = calloc((size_t)NPU_TILE_CANDS + 1, nl * sizeof *owned); /* [r][L+1] */
    int64_t total[NPU_TILE_CANDS + 1];
    int ok[NPU_TILE_CANDS + 1] = {0}, best = -1;
    if (!owned) {
        free(choice);
        return an_fail(AN_ERR_NOMEM, "out of memory for the tile search");
    }
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < p->n_ops; k++)
            choice[k] = p->n_cand[k] ? (r < p->n_cand[k] ? r : p->n_cand[k] - 1) : 0;
        ok[r] = !try_choice(p, choice, &total[r], owned + (int64_t)r * (L + 1));
        if (ok[r] && (best < 0 || total[r] < total[best])) best = r;
    }
    if (best >= 0) {
        for (int k = 0; k < p->n_ops; k++) { /* per layer, the round it took least in */
            choice[k] = 0;
            int64_t least = -1;
            for (int r = 0; r < p->n_cand[k]; r++) {
                const int64_t cy = owned[(int64_t)r * (L + 1) + p->ops[k].layer];
                if (ok[r] && (least < 0 || cy < least)) least = cy, choice[k] = r;
            }
        }
        int64_t mix = -1;
        const int mixed = !try_choice(p, choice, &mix, owned + (int64_t)rounds * (L + 1));
        const int take_mix = mixed && mix <= total[best];
        an_buf_printf(&p->search, "== tile search: %d rounds:", rounds);
        for (int r = 0; r < rounds; r++)
            an_buf_printf(&p->search, " %lld", ok[r] ? (long long)total[r] : -1LL);
        an_buf_printf(&p->search, " cycles; each layer's best round: %lld; taken: %lld ==\n",
                      (long long)mix, (long long)(take_mix ? mix : total[best]));
        for (int k = 0; k < p->n_ops; k++)
            for (int r = 0; r < p->n_cand[k]; r++) {
                const cop *c = &p->cand[(int64_t)k * NPU_TILE_CANDS + r];
                an_buf_printf(&p->search, "  round %d: %-12s %-9s tile %dx%d, %d slot(s)", r,
                              p->g->layers[c->layer].name, AN_NPU_MODE_NAME[c->mode], c->th, c->tw,
                              1 + c->dbl);
                if (c->gload) an_buf_printf(&p->search, ", %d block(s) a load", c->gload);
                an_buf_printf(&p->search, ": estimate %lld, timed %lld\n", (long long)c->cost,
                              ok[r] ? (long long)owned[(int64_t)r * (L + 1) + c->layer] : -1LL);
            }
        if (!take_mix)
            for (int k = 0; k < p->n_ops; k++)
                choice[k] = p->n_cand[k] ? (best < p->n_cand[k] ? best : p->n_cand[k] - 1) : 0;
    } else {
        memset(choice, 0, sizeof *choice * nk); /* its error comes again */
    }
    apply(p, choice);
    free(choice);
    free(owned);
    return npu_build_reset(p);
}
