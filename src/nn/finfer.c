/*
** The fast float inference engine (an_f_engine, asicnn/nn.h): a plan of
** steps made once per model, weights packed for one kernel family, and a
** forward that keeps each sample's activations in cache.
**
** Contract
** - Planning: flatten and dropout are aliases of their input (no step); a
**   relu / relu6 node whose input is a conv2d, dense, add or batchnorm read
**   by it alone becomes that step's clamp. Steps before the first dense
**   form the per-sample prefix, the rest the batched suffix.
** - Tensors: the input is read where the caller holds it; tensors the
**   suffix reads or writes and the output live in batch buffers
**   [max_batch][size]; the prefix's other tensors (and each padded conv
**   input, its border zeroed once) live in per-thread scratch, reused by
**   every sample.
** - Running: with at least as many samples as threads, each thread runs
**   the whole prefix on one sample at a time (dynamic schedule, no barrier
**   inside); with fewer, the team shares one scratch and splits every
**   step's rows, a barrier between steps. The suffix splits each dense
**   layer's tiles (rows by panels) over the team. One parallel region per
**   run. A conv2d is an implicit GEMM on fk_gemm, a dense layer one GEMM
**   over the batch.
** - AN_F_IMPL_REF runs an_exec_forward (inference mode) instead.
*/
#include "nn_internal.h"

#include "fk.h"
#include "nn/kernels.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* A sample's steps are split over threads only from this many MACs (below
** it the barriers between steps cost more than they save, and far more on
** a busy machine, where a thread waits for a descheduled one). */
#define SPLIT_MIN_MACS (16 << 20)
/* Samples per unit of work when a batch is spread over threads: each unit
** runs start to end on one thread, no barrier inside; its dense layers are
** products over its rows. */
#define CHUNK 16

const char *const AN_F_IMPL_NAME[AN_F_IMPL_COUNT] = {"ref", "fast", "fast-scalar", "fast-avx2",
                                                     "fast-avx512"};

/* Where a tensor lives. */
typedef enum loc_kind { LOC_X = 0, LOC_BATCH, LOC_SCRATCH } loc_kind;

typedef struct f_loc {
    loc_kind kind;
    size_t off;   /* floats into the batch memory or a thread's scratch */
    int64_t size; /* floats per sample */
} f_loc;

typedef struct f_step {
    an_op op;
    int in[2], out; /* node indices (their locs) */
    fk_win g;
    int OC;
    fk_packed pk;   /* conv2d, dense */
    ptrdiff_t *seg; /* [KH] conv runs: kh * Wp * C */
    int pad;        /* conv2d reads a padded copy of its input */
    int Hp, Wp;     /* extent the conv reads (padded copy, or the input) */
    size_t pad_off;
    float lo, hi;
    float *bn;            /* [3][C] batchnorm mean, scale, shift */
    int groups;           /* conv2d channel groups: > 1 runs nn_gconv2d_rows */
    const float *gw, *gb; /* a grouped conv's weights and bias (the model's) */
} f_step;

struct an_f_engine {
    an_model *m;
    an_f_impl impl;
    const fk_isa *isa;
    an_exec *ref; /* AN_F_IMPL_REF */
    int max_batch, n_steps, first_suffix, threads;
    int64_t macs;    /* per sample */
    f_step *steps;   /* [n_steps] */
    f_loc *loc;      /* [n_nodes] */
    float *batch;    /* [batch_floats] */
    float **scratch; /* [threads] -> [scratch_floats] */
    size_t scratch_floats;
    const float *out; /* output in batch memory */
};

static const fk_isa *impl_isa(an_f_impl impl) {
    switch (impl) {
    case AN_F_IMPL_FAST:
        return fk_has_avx512() ? &FK_AVX512 : fk_has_avx2() ? &FK_AVX2 : &FK_SCALAR;
    case AN_F_IMPL_FAST_SCALAR:
        return &FK_SCALAR;
    case AN_F_IMPL_FAST_AVX2:
        return fk_has_avx2() ? &FK_AVX2 : NULL;
    case AN_F_IMPL_FAST_AVX512:
        return fk_has_avx512() ? &FK_AVX512 : NULL;
    default:
        return NULL;
    }
}

const char *an_f_fast_path(an_f_impl impl) {
    const fk_isa *isa = (unsigned)impl < AN_F_IMPL_COUNT ? impl_isa(impl) : NULL;
    return isa ? isa->name : NULL;
}

static fk_win win_of(const an_model *m, const an_node *n) {
    const an_node *in = &m->nodes[n->inputs[0]];
    return (fk_win){in->h, in->w, in->c, n->h, n->w, n->kh, n->kw, n->sh, n->sw, n->pt, n->pl};
}

static void act_clamp(an_act a, float *lo, float *hi) {
    if (a == AN_ACT_NONE) return;
    *lo = *lo > 0.0f ? *lo : 0.0f;
    if (a == AN_ACT_RELU6) *hi = *hi < 6.0f ? *hi : 6.0f;
}

/* One step per node that computes something; aliases and fused ReLUs get
** their input's loc index in root[]. */
static an_status plan_steps(an_f_engine *e, int *root, int *step_of) {
    const an_model *m = e->m;
    int *users = calloc((size_t)m->n_nodes, sizeof *users);
    if (!users) return an_fail(AN_ERR_NOMEM, "out of memory");
    for (int i = 1; i < m->n_nodes; i++)
        for (int j = 0; j < m->nodes[i].n_inputs; j++) users[m->nodes[i].inputs[j]]++;
    e->first_suffix = -1;
    for (int i = 0; i < m->n_nodes; i++) {
        const an_node *n = &m->nodes[i];
        root[i] = i, step_of[i] = -1;
        if (i == 0) continue;
        const int p = root[n->inputs[0]];
        if (n->op == AN_OP_FLATTEN || n->op == AN_OP_DROPOUT) {
            root[i] = p;
            continue;
        }
        const int ps = step_of[p];
        const an_op pop = ps >= 0 ? e->steps[ps].op : AN_OP_INPUT;
        if ((n->op == AN_OP_RELU || n->op == AN_OP_RELU6) && users[n->inputs[0]] == 1 &&
            users[p] == 1 &&
            (pop == AN_OP_CONV2D || pop == AN_OP_DENSE || pop == AN_OP_ADD ||
             pop == AN_OP_BATCHNORM)) {
            act_clamp(n->op == AN_OP_RELU6 ? AN_ACT_RELU6 : AN_ACT_RELU, &e->steps[ps].lo,
                      &e->steps[ps].hi);
            root[i] = p;
            continue;
        }
        f_step *s = &e->steps[e->n_steps];
        *s = (f_step){.op = n->op, .out = i, .lo = -INFINITY, .hi = INFINITY};
        s->in[0] = p;
        s->in[1] = n->n_inputs > 1 ? root[n->inputs[1]] : p;
        s->g = win_of(m, n);
        s->OC = n->units;
        s->groups = n->op == AN_OP_CONV2D ? n->groups : 1;
        if (n->op == AN_OP_RELU) s->lo = 0.0f;
        if (n->op == AN_OP_RELU6) s->lo = 0.0f, s->hi = 6.0f;
        act_clamp(n->act, &s->lo, &s->hi);
        if (n->op == AN_OP_DENSE && e->first_suffix < 0) e->first_suffix = e->n_steps;
        step_of[i] = e->n_steps++;
    }
    free(users);
    if (e->first_suffix < 0) e->first_suffix = e->n_steps;
    return AN_OK;
}

/* Pack a conv2d / dense step's weights, its runs and its padded extent;
** batchnorm's per-channel constants. */
static an_status prepare_step(an_f_engine *e, f_step *s) {
    const an_node *n = &e->m->nodes[s->out];
    const float *w = n->w_off >= 0 ? e->m->params + n->w_off : NULL;
    const float *b = n->b_off >= 0 ? e->m->params + n->b_off : NULL;
    const fk_win *g = &s->g;
    if (s->op == AN_OP_DENSE)
        return fk_pack(&s->pk, e->isa, w, b, g->H * g->W * g->C, s->OC)
                   ? an_fail(AN_ERR_NOMEM, "out of memory")
                   : AN_OK;
    if (s->op == AN_OP_BATCHNORM) {
        const int C = g->C;
        if (!(s->bn = malloc(3 * (size_t)C * sizeof(float))))
            return an_fail(AN_ERR_NOMEM, "out of memory");
        const float *rm = e->m->params + n->rm_off, *rv = e->m->params + n->rv_off;
        for (int c = 0; c < C; c++) {
            s->bn[c] = rm[c];
            s->bn[C + c] = (w ? w[c] : 1.0f) * (1.0f / sqrtf(rv[c] + n->eps));
            s->bn[2 * C + c] = b ? b[c] : 0.0f;
        }
        return AN_OK;
    }
    if (s->op != AN_OP_CONV2D) return AN_OK;
    if (s->groups > 1) { /* direct loops on the input as it is: no packing, no padded copy */
        s->gw = w, s->gb = b;
        return AN_OK;
    }
    s->Hp = (g->OH - 1) * g->SH + g->KH;
    s->Wp = (g->OW - 1) * g->SW + g->KW;
    s->pad = g->PT > 0 || g->PL > 0 || s->Hp > g->H || s->Wp > g->W;
    if (!s->pad) s->Wp = g->W; /* reads the input as it is */
    if (!(s->seg = malloc((size_t)g->KH * sizeof *s->seg)))
        return an_fail(AN_ERR_NOMEM, "out of memory");
    for (int kh = 0; kh < g->KH; kh++) s->seg[kh] = (ptrdiff_t)kh * s->Wp * g->C;
    if (fk_pack(&s->pk, e->isa, w, b, g->KH * g->KW * g->C, s->OC))
        return an_fail(AN_ERR_NOMEM, "out of memory");
    return AN_OK;
}

/* Locations of every tensor, the batch memory and the scratch size. */
static an_status place(an_f_engine *e, const int *root) {
    const an_model *m = e->m;
    const int nn = m->n_nodes;
    unsigned char *batched = calloc((size_t)nn, 1);
    if (!batched) return an_fail(AN_ERR_NOMEM, "out of memory");
    batched[root[m->output]] = 1;
    for (int k = e->first_suffix; k < e->n_steps; k++) {
        const f_step *s = &e->steps[k];
        batched[s->in[0]] = batched[s->in[1]] = batched[s->out] = 1;
    }
    size_t nb = 0, ns = 0;
    for (int i = 0; i < nn; i++) {
        f_loc *l = &e->loc[i];
        l->size = an_node_size(&m->nodes[i]);
        if (root[i] != i) continue;
        if (i == 0) {
            l->kind = LOC_X;
        } else if (batched[i] || (i == root[m->output])) {
            l->kind = LOC_BATCH, l->off = nb;
            nb += (size_t)e->max_batch * (size_t)l->size;
        } else {
            l->kind = LOC_SCRATCH, l->off = ns;
            ns += ((size_t)l->size + 15) & ~(size_t)15;
        }
    }
    for (int i = 0; i < nn; i++)
        e->loc[i] = e->loc[root[i]], e->loc[i].size = an_node_size(&m->nodes[i]);
    for (int k = 0; k < e->n_steps; k++) {
        f_step *s = &e->steps[k];
        if (!s->pad) continue;
        s->pad_off = ns;
        ns += ((size_t)s->Hp * s->Wp * s->g.C + 15) & ~(size_t)15;
    }
    free(batched);
    /* an output that is the input itself gets a copy in batch memory */
    if (e->loc[m->output].kind == LOC_X) nb += (size_t)e->max_batch * e->loc[m->output].size;
    e->scratch_floats = ns;
    e->batch = calloc(nb ? nb : 1, sizeof(float));
    e->threads = omp_get_max_threads();
    e->scratch = calloc((size_t)e->threads, sizeof *e->scratch);
    if (!e->batch || !e->scratch) return an_fail(AN_ERR_NOMEM, "out of memory");
    for (int t = 0; t < e->threads; t++)
        if (!(e->scratch[t] = calloc(ns ? ns : 1, sizeof(float))))
            return an_fail(AN_ERR_NOMEM, "out of memory");
    e->out = e->loc[m->output].kind == LOC_X
                 ? e->batch + nb - (size_t)e->max_batch * e->loc[m->output].size
                 : e->batch + e->loc[m->output].off;
    return AN_OK;
}

an_status an_f_engine_create(an_f_engine **out, an_model *m, int max_batch, an_f_impl impl) {
    *out = NULL;
    if ((unsigned)impl >= AN_F_IMPL_COUNT)
        return an_fail(AN_ERR_RANGE, "unknown float inference impl %d", (int)impl);
    if (max_batch < 1 || max_batch > (1 << 20))
        return an_fail(AN_ERR_RANGE, "batch size %d out of range (1..1048576)", max_batch);
    an_f_engine *e = calloc(1, sizeof *e);
    if (!e) return an_fail(AN_ERR_NOMEM, "out of memory");
    e->m = m, e->impl = impl, e->max_batch = max_batch;
    an_status s = AN_OK;
    if (impl == AN_F_IMPL_REF) {
        if ((s = an_exec_create(&e->ref, m, max_batch, 0)))
            free(e);
        else
            *out = e;
        return s;
    }
    if (!(e->isa = impl_isa(impl))) {
        free(e);
        return an_fail(AN_ERR_UNSUPPORTED, "this CPU lacks the %s float kernels",
                       AN_F_IMPL_NAME[impl]);
    }
    int *root = calloc(2 * (size_t)m->n_nodes, sizeof *root);
    e->steps = calloc((size_t)m->n_nodes, sizeof *e->steps);
    e->loc = calloc((size_t)m->n_nodes, sizeof *e->loc);
    if (!root || !e->steps || !e->loc) s = an_fail(AN_ERR_NOMEM, "out of memory");
    if (!s) s = plan_steps(e, root, root + m->n_nodes);
    for (int k = 0; !s && k < e->n_steps; k++) s = prepare_step(e, &e->steps[k]);
    if (!s) s = place(e, root);
    for (int i = 0; i < m->n_nodes; i++) e->macs += an_node_macs(m, &m->nodes[i]);
    free(root);
    if (s) {
        an_f_engine_free(e);
        return s;
    }
    *out = e;
    return AN_OK;
}

void an_f_engine_free(an_f_engine *e) {
    if (!e) return;
    an_exec_free(e->ref);
    for (int k = 0; k < e->n_steps; k++) {
        fk_packed_free(&e->steps[k].pk);
        free(e->steps[k].seg);
        free(e->steps[k].bn);
    }
    for (int t = 0; e->scratch && t < e->threads; t++) free(e->scratch[t]);
    free(e->scratch);
    free(e->batch);
    free(e->steps);
    free(e->loc);
    free(e);
}

/* Node i's tensor for sample b: [size] floats. */
static float *at(const an_f_engine *e, int i, const float *x, int b, float *scr) {
    const f_loc *l = &e->loc[i];
    switch (l->kind) {
    case LOC_X:
        return (float *)x + (size_t)b * l->size; /* read only */
    case LOC_BATCH:
        return e->batch + l->off + (size_t)b * l->size;
    default:
        return scr + l->off;
    }
}

/* [lo, hi) of part t of n over len. */
static void share(int64_t len, int t, int n, int64_t *lo, int64_t *hi) {
    *lo = len * t / n, *hi = len * (t + 1) / n;
}

/* Rows [r0, r1) of a conv's padded copy of its input for sample b. */
static void pad_part(const an_f_engine *e, const f_step *s, const float *x, int b, float *scr,
                     int t, int n) {
    int64_t r0, r1;
    share(s->Hp, t, n, &r0, &r1);
    fk_pad_copy(scr + s->pad_off, s->Hp, s->Wp, at(e, s->in[0], x, b, scr), &s->g, (int)r0,
                (int)r1);
}

/* Part t of n of a per-sample step on sample b (its padded copy made). */
static void step_part(const an_f_engine *e, const f_step *s, const float *x, int b, float *scr,
                      int t, int n) {
    const fk_win *g = &s->g;
    const float *in = at(e, s->in[0], x, b, scr);
    float *out = at(e, s->out, x, b, scr);
    int64_t r0, r1;
    switch (s->op) {
    case AN_OP_CONV2D: {
        if (s->groups > 1) {
            const nn_window w = {.B = 1,
                                 .H = g->H,
                                 .W = g->W,
                                 .C = g->C,
                                 .OH = g->OH,
                                 .OW = g->OW,
                                 .KH = g->KH,
                                 .KW = g->KW,
                                 .SH = g->SH,
                                 .SW = g->SW,
                                 .PT = g->PT,
                                 .PL = g->PL};
            share(g->OH, t, n, &r0, &r1);
            nn_gconv2d_rows(out, in, s->gw, s->gb, &w, s->OC, s->groups, (int)r0, (int)r1, s->lo,
                            s->hi);
            break;
        }
        const float *src = s->pad ? scr + s->pad_off : in; /* [Hp or H][Wp][C] */
        const ptrdiff_t C = g->C;
        if (g->KH == 1 && g->KW == 1 && g->SH == 1 && g->SW == 1 && !s->pad) {
            /* pointwise: every position one row of A */
            const int MR = e->isa->mr[s->pk.nv - 1];
            share((g->OH * g->OW + MR - 1) / MR, t, n, &r0, &r1);
            r0 *= MR, r1 = r1 * MR < g->OH * g->OW ? r1 * MR : g->OH * g->OW;
            if (r1 > r0)
                fk_gemm(e->isa, &s->pk, 0, s->pk.panels, src + r0 * C, C, s->seg, 1, g->C,
                        (int)(r1 - r0), out + r0 * s->OC, s->OC, s->lo, s->hi);
            break;
        }
        share(g->OH, t, n, &r0, &r1);
        for (int64_t oh = r0; oh < r1; oh++)
            fk_gemm(e->isa, &s->pk, 0, s->pk.panels, src + oh * g->SH * s->Wp * C, g->SW * C,
                    s->seg, g->KH, g->KW * g->C, g->OW, out + oh * g->OW * s->OC, s->OC, s->lo,
                    s->hi);
        break;
    }
    case AN_OP_MAXPOOL:
    case AN_OP_AVGPOOL:
        share(g->OH, t, n, &r0, &r1);
        (s->op == AN_OP_MAXPOOL ? fk_maxpool : fk_avgpool)(out, in, g, (int)r0, (int)r1);
        break;
    case AN_OP_ADD:
        share(e->loc[s->out].size, t, n, &r0, &r1);
        fk_add(out + r0, in + r0, at(e, s->in[1], x, b, scr) + r0, (size_t)(r1 - r0), s->lo, s->hi);
        break;
    case AN_OP_RELU:
    case AN_OP_RELU6:
        share(e->loc[s->out].size, t, n, &r0, &r1);
        fk_clamp(out + r0, in + r0, (size_t)(r1 - r0), s->lo, s->hi);
        break;
    case AN_OP_BATCHNORM: {
        const int C = g->C;
        share(e->loc[s->out].size / C, t, n, &r0, &r1);
        fk_affine(out + r0 * C, in + r0 * C, s->bn, s->bn + C, s->bn + 2 * C, (size_t)(r1 - r0), C,
                  s->lo, s->hi);
        break;
    }
    default:
        break;
    }
}

/* Part t of n of a dense step over the batch: its (row tile, panel) pairs. */
static void dense_part(const an_f_engine *e, const f_step *s, const float *x, int B, int t, int n) {
    const int MR = e->isa->mr[s->pk.nv - 1], K = s->pk.K, P = s->pk.panels;
    const int tiles = (B + MR - 1) / MR;
    const float *in = at(e, s->in[0], x, 0, NULL); /* [B][K] */
    float *out = at(e, s->out, x, 0, NULL);        /* [B][OC] */
    const ptrdiff_t seg0 = 0;
    int64_t u0, u1;
    share((int64_t)tiles * P, t, n, &u0, &u1);
    for (int64_t u = u0; u < u1; u++) {
        const int m0 = (int)(u / P) * MR, q = (int)(u % P);
        fk_gemm(e->isa, &s->pk, q, q + 1, in + (size_t)m0 * K, K, &seg0, 1, K,
                B - m0 < MR ? B - m0 : MR, out + (size_t)m0 * s->OC, s->OC, s->lo, s->hi);
    }
}

/* The prefix on sample b by part t of n of the team (barriers when n > 1). */
static void prefix_sample(const an_f_engine *e, const float *x, int b, float *scr, int t, int n) {
    for (int k = 0; k < e->first_suffix; k++) {
        const f_step *s = &e->steps[k];
        if (s->pad) {
            pad_part(e, s, x, b, scr, t, n);
            if (n > 1) {
#pragma omp barrier
            }
        }
        step_part(e, s, x, b, scr, t, n);
        if (n > 1) {
#pragma omp barrier
        }
    }
}

/* The suffix over samples [b0, b1) on the calling thread. */
static void suffix_rows(const an_f_engine *e, const float *x, int b0, int b1, float *scr) {
    for (int k = e->first_suffix; k < e->n_steps; k++) {
        const f_step *s = &e->steps[k];
        if (s->op != AN_OP_DENSE) {
            for (int b = b0; b < b1; b++) {
                if (s->pad) pad_part(e, s, x, b, scr, 0, 1);
                step_part(e, s, x, b, scr, 0, 1);
            }
            continue;
        }
        const int K = s->pk.K;
        const ptrdiff_t seg0 = 0;
        fk_gemm(e->isa, &s->pk, 0, s->pk.panels, at(e, s->in[0], x, b0, scr), K, &seg0, 1, K,
                b1 - b0, at(e, s->out, x, b0, scr), s->OC, s->lo, s->hi);
    }
}

/* Samples [b0, b1) through the whole model on the calling thread. */
static void run_rows(const an_f_engine *e, const float *x, int b0, int b1, float *scr) {
    for (int b = b0; b < b1; b++) prefix_sample(e, x, b, scr, 0, 1);
    suffix_rows(e, x, b0, b1, scr);
}

/* Fewer samples than threads on a large model: the team splits every step
** of each sample (one shared scratch), then every dense layer's tiles. */
static void run_split(const an_f_engine *e, const float *x, int B, int T) {
#pragma omp parallel num_threads(T)
    {
        const int t = omp_get_thread_num(), n = omp_get_num_threads();
        for (int b = 0; b < B; b++) prefix_sample(e, x, b, e->scratch[0], t, n);
        for (int k = e->first_suffix; k < e->n_steps; k++) {
            const f_step *s = &e->steps[k];
            if (s->op == AN_OP_DENSE) {
                dense_part(e, s, x, B, t, n);
            } else {
                int64_t b0, b1;
                share(B, t, n, &b0, &b1);
                for (int64_t b = b0; b < b1; b++) {
                    if (s->pad) pad_part(e, s, x, (int)b, e->scratch[t], 0, 1);
                    step_part(e, s, x, (int)b, e->scratch[t], 0, 1);
                }
            }
#pragma omp barrier
        }
    }
}

const float *an_f_engine_run(an_f_engine *e, const float *x, int B) {
    if (B > e->max_batch) B = e->max_batch;
    if (e->ref) return an_exec_forward(e->ref, x, B, 0, 0);
    const int T = omp_get_max_threads() < e->threads ? omp_get_max_threads() : e->threads;
    if (T > 1 && B < T && e->macs >= SPLIT_MIN_MACS) {
        run_split(e, x, B, T);
    } else if (T > 1 && B > 1) {
        /* chunks of samples, each run start to end by one thread */
        const int per = B / T < CHUNK ? (B / T > 1 ? B / T : 1) : CHUNK;
        const int chunks = (B + per - 1) / per;
#pragma omp parallel for schedule(dynamic) num_threads(T)
        for (int c = 0; c < chunks; c++)
            run_rows(e, x, c * per, (c + 1) * per < B ? (c + 1) * per : B,
                     e->scratch[omp_get_thread_num()]);
    } else {
        run_rows(e, x, 0, B, e->scratch[0]);
    }
    const f_loc *o = &e->loc[e->m->output];
    if (o->kind == LOC_X) memcpy((float *)e->out, x, (size_t)B * o->size * sizeof(float));
    return e->out;
}
