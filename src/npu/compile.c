/*
** The compiler driver: runs the passes in order (AN_NPU_PASSES), prints the
** program after one of them on request (--print-after), and holds the two
** small passes alloc (SRAM split, DRAM layout of weights, parameters and
** tensors) and emit (encode into the executable, per-layer report).
*/
#include "compile_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const AN_NPU_PASSES[] = {"lower",   "fuse", "tile", "alloc",
                                     "codegen", "deps", "emit", NULL};
const char *const AN_NPU_MODE_NAME[AN_NPU_MODE_COUNT] = {"kpos",  "im2col", "vector",   "fused",
                                                         "alias", "host",   "im2col-in"};

an_npu_compile_opts an_npu_compile_defaults(void) {
    return (an_npu_compile_opts){.batch = 1, .conv = AN_NPU_CONV_AUTO};
}

an_status npu_emit(cprog *p, const an_isa_insn *d) {
    an_insn e;
    an_status s = an_isa_encode(d, &e);
    if (s)
        return an_fail_context(s, "%s: layer %d (%s): instruction %lld", p->g->source, p->cur_layer,
                               p->g->layers[p->cur_layer].name, (long long)p->n_ins);
    if (p->n_ins == p->cap_ins) {
        const int64_t cap = p->cap_ins ? 2 * p->cap_ins : 1024;
        if (cap > NPU_MAX_INSNS)
            return an_fail(AN_ERR_UNSUPPORTED,
                           "more than %lld instructions, the executable's limit, on chip %s: "
                           "compile for a chip with a larger array or bigger buffers",
                           (long long)NPU_MAX_INSNS, p->cfg->name);
        an_insn *ins = realloc(p->ins, sizeof *ins * (size_t)cap);
        if (ins) p->ins = ins;
        int *tag = realloc(p->ins_layer, sizeof *tag * (size_t)cap);
        if (tag) p->ins_layer = tag;
        if (!ins || !tag) return an_fail(AN_ERR_NOMEM, "out of memory for instructions");
        p->cap_ins = cap;
    }
    p->ins_layer[p->n_ins] = p->cur_layer;
    p->ins[p->n_ins++] = e;
    return AN_OK;
}

static void say(cprog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(cprog *p, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    an_buf_vprintf(&p->dump, fmt, ap);
    va_end(ap);
}

static const char *const KIND[] = {"conv", "pool", "add", "alias", "host", "fused"};

static void dump_ops(cprog *p, const char *pass) {
    say(p, "== after %s: %d ops ==\n", pass, p->n_ops);
    for (int k = 0; k < p->n_ops; k++) {
        const cop *o = &p->ops[k];
        const an_q_layer *l = &p->g->layers[o->layer];
        say(p, "%3d %-12s %-5s %-6s", o->layer, l->name, KIND[o->kind], AN_NPU_MODE_NAME[o->mode]);
        if (o->kind == COP_CONV || o->kind == COP_POOL) {
            say(p, " %dx%dx%d -> %dx%dx%d", o->ih, o->iw, o->ic, o->oh, o->ow, o->oc);
            if (o->kind == COP_CONV)
                say(p, " k%dx%d s%d,%d p%d,%d", o->kh, o->kw, o->sh, o->sw, o->pt, o->pl);
            if (o->pool_layer >= 0 || o->kind == COP_POOL)
                say(p, " %s %dx%d/%d -> %dx%d", o->pavg ? "avgpool" : "maxpool", o->pkh, o->pkw,
                    o->psh, o->fh, o->fw);
            if (o->add_layer >= 0) say(p, " (fused %s)", p->g->layers[o->add_layer].name);
            if (o->pool_layer >= 0) say(p, " (fused %s)", p->g->layers[o->pool_layer].name);
            if (o->nb > 1) say(p, " x%d images", o->nb);
        }
        if (o->th)
            say(p, " | tile %dx%d, %d tile(s), %d chunk(s) x %d block(s)%s, cost ~%lld", o->th,
                o->tw, o->tiles, o->nchunks, o->nob, o->wgt_resident ? ", weights resident" : "",
                (long long)o->cost);
        if (o->th && o->ires)
            say(p, " | input resident (%s)%s", o->ires == 2 ? "both halves" : "one half",
                !o->wgrp   ? ""
                : o->wfull ? ", a block's weights at a time in the whole buffer"
                           : ", weights a group of blocks at a time");
        if (o->th && o->mode == AN_NPU_MODE_KPOS &&
            (o->rky < o->kh || o->rkx < npu_kw_groups(o) || o->rcb < o->gcb))
            say(p, " | reduction split %dx%dx%d (%d chunks%s)", o->rky, o->rkx, o->rcb,
                npu_kpos_nchunks(o), o->hold ? ", every block held" : "");
        if (o->th && o->kind == COP_CONV && o->gcb < o->ncb) {
            say(p, " | channel window %d of %d blocks, ", o->gcb, o->ncb);
            if (o->gload)
                say(p, "%d output block(s) a load", o->gload);
            else
                say(p, "whole pixels");
        }
        if (p->tdram && o->kind != COP_FUSED)
            say(p, " | dram in %lld out %lld", (long long)p->tdram[o->in_t],
                (long long)p->tdram[o->out_t]);
        say(p, "\n");
    }
}

static void dump_insns(cprog *p, const char *pass) {
    say(p, "== after %s: %lld instructions ==\n", pass, (long long)p->n_ins);
    for (int64_t i = 0; i < p->n_ins; i++) {
        char buf[320];
        an_isa_insn d;
        if (an_isa_decode(&p->ins[i], &d)) memset(&d, 0, sizeof d); /* npu_emit encoded it */
        an_isa_format(&d, buf, sizeof buf);
        say(p, "%6lld  %-7s %s\n", (long long)i, AN_ISA_QUEUE_NAME[an_isa_queue_of(&d)], buf);
    }
}

static int64_t align64(int64_t v) {
    return (v + 63) & ~INT64_C(63);
}

/* Little-endian int32 into the DATA image. */
static void put32(uint8_t *b, int32_t v) {
    an_le_put(b, (uint32_t)v, 4);
}

/* The multiplier and shift rows of add layer l at prm (NPU_ADD_PRM_ROWS rows
** of C int32): its first input's pair, its second's, the output's; side 1
** swaps the inputs (the first pair then belongs to the add's second input). */
static void add_params(const cprog *p, const an_q_layer *l, int side, uint8_t *prm) {
    const int64_t C = p->cfg->cols;
    for (int j = 0; j < 3; j++) {
        const int src = j < 2 && side ? 1 - j : j;
        for (int64_t col = 0; col < C; col++) {
            put32(prm + ((2 * j) * C + col) * 4, l->add_mult[src]);
            put32(prm + ((2 * j + 1) * C + col) * 4, l->add_shift[src]);
        }
    }
}

/* The DATA image (p->data_size bytes): every conv's weight tiles and
** parameter rows, every add's parameter rows, where npu_pass_alloc placed
** them. */
static an_status fill_data(cprog *p) {
    const an_npu_config *c = p->cfg;
    const int64_t R = c->rows, C = c->cols;
    const an_q_graph *g = p->g;
    if (!(p->data = calloc((size_t)(p->data_size ? p->data_size : 1), 1)))
        return an_fail(AN_ERR_NOMEM, "out of memory for %lld bytes of weights",
                       (long long)p->data_size);
    for (int k = 0; k < p->n_ops; k++) {
        const cop *o = &p->ops[k];
        const an_q_layer *l = &g->layers[o->layer];
        if (o->kind == COP_ADD) {
            add_params(p, l, 0, p->data + o->pdram);
            continue;
        }
        if (o->kind != COP_CONV) continue;
        if (o->add_layer >= 0) {
            const an_q_layer *a = &g->layers[o->add_layer];
            uint8_t *prm = p->data + o->pdram + (int64_t)o->nob * 3 * 4 * C;
            add_params(p, a, o->add_side, prm);
            /* (x - zp) << 20 as MBQM(x - zp, 2^30, 21), or << ks (exact) */
            const int ks = npu_add_exact_shift(a, o->add_side);
            for (int64_t col = 0; col < C; col++) {
                put32(prm + (6 * C + col) * 4, INT32_C(1) << 30);
                put32(prm + (7 * C + col) * 4, (ks >= 0 ? ks : AN_Q_ADD_LEFT_SHIFT) + 1);
                put32(prm + (8 * C + col) * 4, -l->zero_point);
            }
        }
        for (int ob = 0; ob < o->nob; ob++) {
            const int gcb0 = npu_group_cb0(p, o, ob); /* a grouped conv's channel window */
            for (int q = 0; q < npu_kpos_nchunks(o); q++) {
                npu_chunk ch;
                npu_kpos_chunk(o, q, &ch);
                for (int j = ch.j0; j < ch.j0 + ch.n; j++) {
                    uint8_t *tile = p->data + o->wdram + ((int64_t)ob * o->nchunks + j) * R * C;
                    int ky, kx, cb; /* kpos: the kernel position and channel block */
                    npu_kpos_cell(&ch, j - ch.j0, &ky, &kx, &cb);
                    for (int64_t r = 0; r < R; r++) {
                        int64_t kk; /* index into the OHWI / [out][in] row over all channels */
                        if (o->mode == AN_NPU_MODE_IM2COL || o->mode == AN_NPU_MODE_IM2COL_IN) {
                            kk = (int64_t)j * R + r;
                            if (kk >= (int64_t)o->kh * o->kw * o->ic) continue;
                        } else if (o->bp) { /* row kx of a kernel-row element */
                            const int64_t b = (int64_t)kx * R + r;
                            if (b >= (int64_t)o->kw * o->ic) continue;
                            kk = (int64_t)ky * o->kw * o->ic + b;
                        } else if (npu_kw_groups(o) != o->kw) { /* packed: pk columns */
                            const int64_t col = npu_pk_col(o, kx) + r / o->ic;
                            if (r / o->ic >= o->pk || col < npu_pk_lo(o, kx) ||
                                col >= npu_pk_lo(o, kx + 1))
                                continue;
                            kk = ((int64_t)ky * o->kw + col) * o->ic + r % o->ic;
                        } else {
                            const int64_t ic = (int64_t)(gcb0 + cb) * R + r;
                            if (ic >= o->ic) continue;
                            kk = ((int64_t)ky * o->kw + kx) * o->ic + ic;
                        }
                        for (int64_t col = 0; col < C; col++) {
                            const int64_t oc = (int64_t)ob * C + col;
                            if (oc < o->oc)
                                tile[r * C + col] = (uint8_t)npu_weight(l, o->ic, oc, kk);
                        }
                    }
                }
            }
            for (int64_t col = 0; col < C; col++) {
                const int64_t oc = (int64_t)ob * C + col;
                uint8_t *row = p->data + o->pdram + (int64_t)ob * 3 * 4 * C + col * 4;
                put32(row, oc < o->oc ? l->mult[oc] : 0);
                put32(row + 4 * C, oc < o->oc ? l->shift[oc] : 0);
                put32(row + 8 * C, oc < o->oc ? l->bias[oc] : 0);
            }
        }
    }
    return AN_OK;
}

an_status npu_pass_alloc(cprog *p) {
    const an_npu_config *c = p->cfg;
    const int64_t R = c->rows, C = c->cols;
    const an_q_graph *g = p->g;
    /* DATA: weight tiles and parameter rows per op */
    int64_t at = 0;
    for (int k = 0; k < p->n_ops; k++) {
        cop *o = &p->ops[k];
        if (o->kind == COP_CONV) {
            o->wdram = at = align64(at);
            at += (int64_t)o->nob * o->nchunks * R * C;
            o->pdram = at = align64(at);
            at += ((int64_t)o->nob * 3 + (o->add_layer >= 0 ? NPU_FADD_PRM_ROWS : 0)) * 4 * C;
        } else if (o->kind == COP_ADD) {
            o->pdram = at = align64(at);
            at += NPU_ADD_PRM_ROWS * 4 * C;
        }
    }
    p->data_size = at;
    if (!p->layout_only) {
        an_status s = fill_data(p);
        if (s) return s;
    }
    /* tensors: the input, then every layer output that reaches DRAM */
    at = align64(at);
    p->tdram[0] = at;
    int64_t in_bytes = an_q_tensor_size(g, 0);
    for (int k = 0; k < p->n_ops; k++) {
        const cop *o = &p->ops[k];
        if (o->mode == AN_NPU_MODE_IM2COL_IN) in_bytes = (int64_t)o->oh * o->ow * o->kr * R;
        if (o->hrow) in_bytes = npu_hrow_rows(o) * o->ow * o->bp * R;
    }
    at = align64(at + in_bytes * p->B);
    for (int i = 0; i < g->n_layers; i++) p->tdram[i + 1] = -2;
    for (int k = 0; k < p->n_ops; k++) {
        const cop *o = &p->ops[k];
        if (o->kind == COP_FUSED) continue;
        if (o->pool_layer >= 0 || o->add_layer >= 0) /* stays in the accumulators */
            p->tdram[o->layer + 1] = -1;
        if (o->kind == COP_ALIAS) {
            p->tdram[o->out_t] = p->tdram[o->in_t];
            continue;
        }
        p->tdram[o->out_t] = at;
        at = align64(at + an_q_tensor_size(g, o->out_t) * p->B);
    }
    p->dram_size = at;
    if (at > NPU_MAX_DRAM)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: %lld bytes of DRAM needed (at most %lld): use a smaller batch",
                       g->source, (long long)at, (long long)NPU_MAX_DRAM);
    return AN_OK;
}

/* Encode into x and fill in its tables. */
static an_status pass_emit(cprog *p, an_npu_exe *x) {
    const an_q_graph *g = p->g;
    const an_npu_config *c = p->cfg;
    x->cfg = *c;
    x->batch = p->B;
    x->dram_size = p->dram_size;
    x->n_insns = p->n_ins;
    x->insns = p->ins, p->ins = NULL; /* encoded as they were emitted */
    p->cap_ins = 0;
    x->data = p->data, p->data = NULL;
    x->data_size = p->data_size;
    x->n_host = p->n_host;
    x->host = p->host, p->host = NULL;
    x->input = npu_tinfo(p, 0), x->input.dram = p->tdram[0];
    x->output = npu_tinfo(p, g->n_layers), x->output.dram = p->tdram[g->n_layers];
    for (int k = 0; k < p->n_ops; k++) {
        const cop *o = &p->ops[k];
        if (o->mode == AN_NPU_MODE_IM2COL_IN || o->hrow)
            x->in_layout = (an_npu_input_layout){o->hrow ? AN_NPU_IN_KROW : AN_NPU_IN_IM2COL,
                                                 o->kh,
                                                 o->kw,
                                                 o->sh,
                                                 o->sw,
                                                 o->pt,
                                                 o->pl,
                                                 o->oh,
                                                 o->ow,
                                                 c->rows,
                                                 o->hrow ? o->bp : o->kr};
    }
    x->n_affine = g->input.n_affine;
    int ok = (x->in_mul = malloc(4 * (size_t)x->n_affine)) &&
             (x->in_add = malloc(4 * (size_t)x->n_affine)) &&
             (x->layers = calloc((size_t)g->n_layers, sizeof *x->layers));
    if (!ok) return an_fail(AN_ERR_NOMEM, "out of memory for the executable");
    memcpy(x->in_mul, g->input.in_mul, 4 * (size_t)x->n_affine);
    memcpy(x->in_add, g->input.in_add, 4 * (size_t)x->n_affine);
    x->n_layers = g->n_layers;
    for (int i = 0; i < g->n_layers; i++) {
        an_npu_layer *L = &x->layers[i];
        const an_q_layer *l = &g->layers[i];
        snprintf(L->name, sizeof L->name, "%s", l->name);
        L->op = l->op, L->h = l->h, L->w = l->w, L->c = l->c;
        L->out_dram = p->tdram[i + 1] < 0 ? -1 : p->tdram[i + 1];
        L->first_insn = -1;
    }
    for (int k = 0; k < p->n_ops; k++) {
        const cop *o = &p->ops[k];
        an_npu_layer *L = &x->layers[o->layer];
        L->mode = o->mode, L->tile_h = o->th, L->tile_w = o->tw, L->tiles = o->tiles;
    }
    for (int64_t i = 0; i < x->n_insns; i++) {
        const an_insn *e = &x->insns[i];
        an_npu_layer *L = &x->layers[p->ins_layer[i]];
        if (L->first_insn < 0) L->first_insn = i;
        L->n_insn = i + 1 - L->first_insn;
        if (an_insn_op(e) == AN_ISA_GEMM)
            L->macs +=
                (int64_t)an_isa_get(e, AN_ISA_GEMM_n_outer_SHIFT, AN_ISA_GEMM_n_outer_WIDTH) *
                (int64_t)an_isa_get(e, AN_ISA_GEMM_n_inner_SHIFT, AN_ISA_GEMM_n_inner_WIDTH) *
                c->rows * c->cols;
    }
    for (int i = 0; i < g->n_layers; i++)
        if (x->layers[i].first_insn < 0) x->layers[i].first_insn = 0;
    return AN_OK;
}

an_status npu_build_reset(cprog *p) {
    free(p->data), free(p->ins), free(p->ins_layer);
    p->data = NULL, p->ins = NULL, p->ins_layer = NULL;
    p->data_size = p->n_ins = p->cap_ins = 0;
    p->n_host = 0;
    if (!p->host && !(p->host = calloc((size_t)p->g->n_layers, sizeof *p->host)))
        return an_fail(AN_ERR_NOMEM, "out of memory");
    memset(p->host, 0, sizeof *p->host * (size_t)p->g->n_layers);
    return AN_OK;
}

an_status npu_build(cprog *p, an_npu_exe *x) {
    memset(x, 0, sizeof *x);
    an_status s = npu_build_reset(p);
    if (!s) s = npu_pass_alloc(p);
    if (!s) s = npu_pass_codegen(p);
    if (!s) s = npu_pass_deps(p);
    if (!s) s = pass_emit(p, x);
    snprintf(x->source, sizeof x->source, "%s", p->g->source);
    if (!s) s = an_npu_validate(x);
    if (s) an_npu_exe_free(x);
    return s;
}

an_status an_npu_compile(const an_q_graph *g, const an_npu_config *cfg,
                         const an_npu_compile_opts *o, const uint8_t *qref, size_t qref_size,
                         an_npu_exe *x, char **dump) {
    memset(x, 0, sizeof *x);
    if (dump) *dump = NULL;
    an_status s = an_npu_config_validate(cfg, cfg->name);
    if (s) return s;
    if ((s = an_q_graph_validate(g))) return s;
    const char *pa = o->print_after;
    if (pa && strcmp(pa, "all") != 0) {
        int k = 0;
        while (AN_NPU_PASSES[k] && strcmp(AN_NPU_PASSES[k], pa) != 0) k++;
        if (!AN_NPU_PASSES[k])
            return an_fail(AN_ERR_USAGE,
                           "unknown pass '%s' (passes: lower, fuse, tile, alloc, "
                           "codegen, deps, emit)",
                           pa);
    }
    if (o->batch < 1 || o->batch > 65536)
        return an_fail(AN_ERR_RANGE, "batch %d outside 1..65536", o->batch);
    cprog P;
    memset(&P, 0, sizeof P);
    cprog *p = &P;
    p->g = g, p->cfg = cfg, p->o = *o, p->B = o->batch;
    const int64_t R = cfg->rows, C = cfg->cols, row = R > C ? R : C;
    p->stage_half = cfg->act_bytes / 8 / row * row;
    p->in_half = (cfg->act_bytes - 2 * p->stage_half) / 2 / R * R;
    p->wgt_half_rows = cfg->wgt_bytes / C / 2 / R * R;
    if (!(p->ops = calloc((size_t)g->n_layers, sizeof *p->ops)) ||
        !(p->tdram = calloc((size_t)g->n_layers + 1, sizeof *p->tdram)) ||
        !(p->host = calloc((size_t)g->n_layers, sizeof *p->host)))
        s = an_fail(AN_ERR_NOMEM, "out of memory");
    if (!s && (!(p->cand = calloc((size_t)g->n_layers * NPU_TILE_CANDS, sizeof *p->cand)) ||
               !(p->n_cand = calloc((size_t)g->n_layers, sizeof *p->n_cand))))
        s = an_fail(AN_ERR_NOMEM, "out of memory");
    an_status (*const passes[])(cprog *) = {npu_pass_lower, npu_pass_fuse,    npu_pass_tile,
                                            npu_pass_alloc, npu_pass_codegen, npu_pass_deps};
    int k = 0;
    for (; !s && k < 6; k++) {
        s = passes[k](p);
        if (!s && passes[k] == npu_pass_tile) s = npu_pass_search(p);
        const int print = pa && (strcmp(pa, "all") == 0 || strcmp(pa, AN_NPU_PASSES[k]) == 0);
        if (!s && print) k < 4 ? dump_ops(p, AN_NPU_PASSES[k]) : dump_insns(p, AN_NPU_PASSES[k]);
        if (!s && print && passes[k] == npu_pass_tile && p->search.len)
            an_buf_append(&p->dump, p->search.s, p->search.len);
    }
    if (!s) s = pass_emit(p, x);
    if (!s && qref_size) {
        if (!(x->qref = malloc(qref_size)))
            s = an_fail(AN_ERR_NOMEM, "out of memory");
        else
            memcpy(x->qref, qref, qref_size), x->qref_size = (int64_t)qref_size;
    }
    if (!s && pa && (strcmp(pa, "all") == 0 || strcmp(pa, "emit") == 0))
        say(p,
            "== after emit: %lld instructions, %lld bytes of weights and parameters, %lld "
            "bytes of DRAM ==\n",
            (long long)x->n_insns, (long long)x->data_size, (long long)x->dram_size);
    snprintf(x->source, sizeof x->source, "%s", g->source);
    if (!s) s = an_npu_validate(x); /* the compiler's output must pass the loader's checks */
    if (!s && dump) *dump = an_buf_take(&p->dump);
    free(p->ops);
    free(p->cand);
    free(p->n_cand);
    free(p->tdram);
    free(p->host);
    free(p->data);
    free(p->ins);
    free(p->ins_layer);
    an_buf_free(&p->dump);
    an_buf_free(&p->search);
    if (s) an_npu_exe_free(x);
    return s;
}
