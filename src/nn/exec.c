/*
** Graph execution: forward, backward and the optimizer step over a model,
** with every buffer (activations, gradients, scratch, optimizer state)
** carved from one arena when the executor is created. Nothing is allocated
** per batch.
**
** Backward walks the nodes in reverse topological order. A node's input
** gradient is written straight into the input's gradient buffer the first
** time, and accumulated through a scratch buffer when the input feeds
** several nodes (residual branches).
*/
#include "nn_internal.h"

#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct an_exec {
    an_model *m;
    int max_batch;
    int training;
    int B;                   /* batch of the last forward */
    int last_train;          /* whether the last forward was a training one */
    float **act;             /* [n_nodes] -> [max_batch, size] */
    float **grad;            /* [n_nodes] -> [max_batch, size] (training) */
    int32_t **argmax;        /* [n_nodes] -> maxpool argmax (training) */
    float **mask;            /* [n_nodes] -> dropout scale (training) */
    float **bn_mean;         /* [n_nodes] -> [C] batch mean (training) */
    float **bn_invstd;       /* [n_nodes] -> [C] batch 1/std (training) */
    unsigned char *has_grad; /* [n_nodes] gradient written this backward */
    float *scratch;          /* conv scratch */
    float *tmp;              /* [max_batch * max node size] gradient accumulation */
    float *target;           /* [max_batch, classes] one-hot targets (cce) */
    float *pgrad;            /* [n_trainable] parameter gradients */
    float *opt;              /* [2 * n_trainable] adam m, v / sgd velocity */
    int64_t n_opt;
    int64_t step;
    an_arena arena;
};

static nn_window window_of(const an_model *m, const an_node *n, int B) {
    const an_node *in = &m->nodes[n->inputs[0]];
    return (nn_window){.B = B,
                       .H = in->h,
                       .W = in->w,
                       .C = in->c,
                       .OH = n->h,
                       .OW = n->w,
                       .KH = n->kh,
                       .KW = n->kw,
                       .SH = n->sh,
                       .SW = n->sw,
                       .PT = n->pt,
                       .PL = n->pl};
}

static float act_cap(an_act a) {
    return a == AN_ACT_RELU6 ? 6.0f : 0.0f;
}

/* Allocate floats from the arena; NULL on failure. */
static float *falloc(an_exec *e, int64_t n) {
    return an_arena_alloc(&e->arena, (size_t)(n > 0 ? n : 1) * sizeof(float), 64);
}

an_status an_exec_create(an_exec **out, an_model *m, int max_batch, int training) {
    *out = NULL;
    if (max_batch < 1 || max_batch > (1 << 20))
        return an_fail(AN_ERR_RANGE, "batch size %d out of range (1..1048576)", max_batch);
    an_exec *e = calloc(1, sizeof *e);
    if (!e) return an_fail(AN_ERR_NOMEM, "out of memory");
    e->m = m;
    e->max_batch = max_batch;
    e->training = training;
    an_arena_init(&e->arena, 1 << 22);
    int nn = m->n_nodes;
    size_t ptrs = sizeof(float *) * (size_t)nn;
    e->act = an_arena_alloc(&e->arena, ptrs, 16);
    e->grad = an_arena_alloc(&e->arena, ptrs, 16);
    e->argmax = an_arena_alloc(&e->arena, ptrs, 16);
    e->mask = an_arena_alloc(&e->arena, ptrs, 16);
    e->bn_mean = an_arena_alloc(&e->arena, ptrs, 16);
    e->bn_invstd = an_arena_alloc(&e->arena, ptrs, 16);
    e->has_grad = an_arena_alloc(&e->arena, (size_t)nn, 16);
    int ok = e->act && e->grad && e->argmax && e->mask && e->bn_mean && e->bn_invstd && e->has_grad;
    int64_t max_size = 0;
    size_t scratch = 0;
    for (int i = 0; ok && i < nn; i++) {
        const an_node *n = &m->nodes[i];
        int64_t sz = (int64_t)max_batch * an_node_size(n);
        if (an_node_size(n) > max_size) max_size = an_node_size(n);
        ok = (e->act[i] = falloc(e, sz)) != NULL;
        if (ok && training) ok = (e->grad[i] = falloc(e, sz)) != NULL;
        if (n->op == AN_OP_CONV2D && n->groups == 1) { /* grouped ones need none */
            nn_window g = window_of(m, n, max_batch);
            size_t s = nn_conv2d_scratch(&g, n->units);
            if (s > scratch) scratch = s;
        }
        if (!training) continue;
        if (ok && n->op == AN_OP_MAXPOOL)
            ok = (e->argmax[i] = an_arena_alloc(&e->arena, (size_t)sz * 4, 64)) != NULL;
        if (ok && n->op == AN_OP_DROPOUT) ok = (e->mask[i] = falloc(e, sz)) != NULL;
        if (ok && n->op == AN_OP_BATCHNORM)
            ok = (e->bn_mean[i] = falloc(e, n->c)) && (e->bn_invstd[i] = falloc(e, n->c));
    }
    const an_node *o = &m->nodes[m->output];
    if (ok) ok = (e->scratch = falloc(e, (int64_t)scratch)) != NULL;
    if (ok && training) {
        e->n_opt = (m->cfg.optimizer == AN_OPTIM_ADAM ? 2 : 1) * m->n_trainable;
        ok = (e->tmp = falloc(e, max_batch * max_size)) &&
             (e->target = falloc(e, (int64_t)max_batch * o->c)) &&
             (e->pgrad = falloc(e, m->n_trainable)) && (e->opt = falloc(e, e->n_opt));
    }
    if (!ok) {
        an_exec_free(e);
        return an_fail(AN_ERR_NOMEM, "%s: cannot allocate buffers for batch %d", m->source,
                       max_batch);
    }
    *out = e;
    return AN_OK;
}

void an_exec_free(an_exec *e) {
    if (!e) return;
    an_arena_free(&e->arena);
    free(e);
}

/* Forward one node over batch B. */
static void forward_node(an_exec *e, int i, int B, int train, uint64_t seed) {
    an_model *m = e->m;
    const an_node *n = &m->nodes[i];
    float *out = e->act[i];
    const float *in = e->act[n->inputs[0]];
    size_t cnt = (size_t)B * (size_t)an_node_size(n);
    const float *w = n->w_off >= 0 ? m->params + n->w_off : NULL;
    const float *b = n->b_off >= 0 ? m->params + n->b_off : NULL;
    nn_window g = window_of(m, n, B);
    switch (n->op) {
    case AN_OP_INPUT:
        break;
    case AN_OP_CONV2D:
        if (n->groups > 1)
            nn_gconv2d_forward(out, in, w, b, &g, n->units, n->groups);
        else
            nn_conv2d_forward(out, in, w, b, &g, n->units, e->scratch);
        break;
    case AN_OP_MAXPOOL:
        nn_maxpool_forward(out, train ? e->argmax[i] : NULL, in, &g);
        break;
    case AN_OP_AVGPOOL:
        nn_avgpool_forward(out, in, &g);
        break;
    case AN_OP_DENSE:
        nn_dense_forward(out, in, w, b, B, g.C, n->units);
        break;
    case AN_OP_FLATTEN:
        memcpy(out, in, cnt * sizeof(float));
        break;
    case AN_OP_DROPOUT:
        if (train && n->rate > 0)
            nn_dropout_forward(out, e->mask[i], in, cnt, n->rate, seed * 1000003u + (uint64_t)i);
        else
            memcpy(out, in, cnt * sizeof(float));
        break;
    case AN_OP_RELU:
        nn_relu_forward(out, in, cnt, 0.0f);
        break;
    case AN_OP_RELU6:
        nn_relu_forward(out, in, cnt, 6.0f);
        break;
    case AN_OP_BATCHNORM:
        nn_batchnorm_forward(out, e->bn_mean[i], e->bn_invstd[i], in, w, b, m->params + n->rm_off,
                             m->params + n->rv_off, (int64_t)B * n->h * n->w, n->c, n->eps,
                             n->momentum, train);
        break;
    case AN_OP_ADD:
        nn_add_forward(out, in, e->act[n->inputs[1]], cnt);
        break;
    case AN_OP_COUNT:
        break;
    }
    if (n->act != AN_ACT_NONE) nn_relu_forward(out, out, cnt, act_cap(n->act));
}

const float *an_exec_forward(an_exec *e, const float *x, int B, int train, uint64_t seed) {
    if (B > e->max_batch) B = e->max_batch;
    train = train && e->training;
    e->B = B;
    e->last_train = train;
    memcpy(e->act[0], x, (size_t)B * (size_t)an_node_size(&e->m->nodes[0]) * sizeof(float));
    for (int i = 1; i < e->m->n_nodes; i++) forward_node(e, i, B, train, seed);
    return e->act[e->m->output];
}

/* Where node j's gradient contribution goes: its own buffer the first time,
** the accumulation scratch afterwards. NULL for the input node (unneeded). */
static float *din_begin(an_exec *e, int j) {
    if (j == 0) return NULL;
    return e->has_grad[j] ? e->tmp : e->grad[j];
}

static void din_end(an_exec *e, int j, const float *d, size_t cnt) {
    if (j == 0) return;
    if (e->has_grad[j]) {
        float *g = e->grad[j];
        for (size_t k = 0; k < cnt; k++) g[k] += d[k];
    }
    e->has_grad[j] = 1;
}

static void backward_node(an_exec *e, int i) {
    an_model *m = e->m;
    const an_node *n = &m->nodes[i];
    int B = e->B, j = n->inputs[0];
    const an_node *in_node = &m->nodes[j];
    float *dout = e->grad[i];
    const float *in = e->act[j];
    size_t cnt = (size_t)B * (size_t)an_node_size(n);
    size_t in_cnt = (size_t)B * (size_t)an_node_size(in_node);
    const float *w = n->w_off >= 0 ? m->params + n->w_off : NULL;
    float *dw = n->w_off >= 0 ? e->pgrad + n->w_off : NULL;
    float *db = n->b_off >= 0 ? e->pgrad + n->b_off : NULL;
    nn_window g = window_of(m, n, B);
    if (n->act != AN_ACT_NONE) nn_relu_backward(dout, dout, e->act[i], cnt, act_cap(n->act));
    float *din = din_begin(e, j);
    switch (n->op) {
    case AN_OP_CONV2D:
        if (n->groups > 1)
            nn_gconv2d_backward(din, dw, db, dout, in, w, &g, n->units, n->groups);
        else
            nn_conv2d_backward(din, dw, db, dout, in, w, &g, n->units, e->scratch);
        break;
    case AN_OP_DENSE:
        nn_dense_backward(din, dw, db, dout, in, w, B, g.C, n->units);
        break;
    case AN_OP_MAXPOOL:
        if (din) nn_maxpool_backward(din, dout, e->argmax[i], &g);
        break;
    case AN_OP_AVGPOOL:
        if (din) nn_avgpool_backward(din, dout, &g);
        break;
    case AN_OP_FLATTEN:
    case AN_OP_ADD:
        if (din) memcpy(din, dout, cnt * sizeof(float));
        break;
    case AN_OP_DROPOUT:
        if (din && e->last_train && n->rate > 0)
            nn_dropout_backward(din, dout, e->mask[i], cnt);
        else if (din)
            memcpy(din, dout, cnt * sizeof(float));
        break;
    case AN_OP_RELU:
    case AN_OP_RELU6:
        if (din) nn_relu_backward(din, dout, e->act[i], cnt, n->op == AN_OP_RELU6 ? 6.0f : 0.0f);
        break;
    case AN_OP_BATCHNORM:
        nn_batchnorm_backward(din ? din : e->tmp, dw, db, dout, in, w, e->bn_mean[i],
                              e->bn_invstd[i], (int64_t)B * n->h * n->w, n->c);
        break;
    default:
        break;
    }
    din_end(e, j, din, in_cnt);
    if (n->op == AN_OP_ADD) {
        int k = n->inputs[1];
        float *d2 = din_begin(e, k);
        if (d2) memcpy(d2, dout, cnt * sizeof(float));
        din_end(e, k, d2, cnt);
    }
}

/* Loss and its gradient into the output node's gradient buffer. */
static float loss_grad(an_exec *e, const int32_t *labels, int B, int *n_correct) {
    const an_node *o = &e->m->nodes[e->m->output];
    const float *logits = e->act[e->m->output];
    int N = o->c, correct = 0;
    for (int b = 0; b < B; b++) {
        const float *row = logits + (size_t)b * N;
        int best = 0;
        for (int k = 1; k < N; k++)
            if (row[k] > row[best]) best = k;
        correct += best == labels[b];
    }
    if (n_correct) *n_correct = correct;
    float *dl = e->grad[e->m->output];
    if (e->m->cfg.loss == AN_LOSS_SPARSE_CCE)
        return nn_softmax_xent_sparse(dl, logits, labels, B, N);
    memset(e->target, 0, (size_t)B * N * sizeof(float));
    for (int b = 0; b < B; b++)
        if (labels[b] >= 0 && labels[b] < N) e->target[(size_t)b * N + labels[b]] = 1.0f;
    return nn_softmax_xent(dl, logits, e->target, B, N);
}

static float backward(an_exec *e, const int32_t *labels, int B, int *n_correct) {
    memset(e->has_grad, 0, (size_t)e->m->n_nodes);
    memset(e->pgrad, 0, (size_t)e->m->n_trainable * sizeof(float));
    float loss = loss_grad(e, labels, B, n_correct);
    e->has_grad[e->m->output] = 1;
    for (int i = e->m->n_nodes - 1; i >= 1; i--)
        if (e->has_grad[i]) backward_node(e, i);
    return loss;
}

/* Learning rate at the current step under the configured decay. */
static float current_lr(const an_compile_cfg *c, int64_t step) {
    switch (c->decay) {
    case AN_DECAY_STEP:
        return c->lr * powf(c->decay_rate, (float)(step / c->decay_steps));
    case AN_DECAY_COSINE: {
        double t = step < c->decay_steps ? (double)step / (double)c->decay_steps : 1.0;
        return (float)(c->lr * 0.5 * (1.0 + cos(3.14159265358979323846 * t)));
    }
    default:
        return c->lr;
    }
}

/* One optimizer update of the trainable parameters (Keras semantics). */
static void optimizer_step(an_exec *e) {
    const an_compile_cfg *c = &e->m->cfg;
    float *p = e->m->params;
    const float *gr = e->pgrad;
    int64_t n = e->m->n_trainable;
    float lr = current_lr(c, e->step);
    e->step++;
    if (c->optimizer == AN_OPTIM_ADAM) {
        float *mo = e->opt, *v = e->opt + n;
        double t = (double)e->step;
        float lr_t = (float)(lr * sqrt(1.0 - pow(c->beta2, t)) / (1.0 - pow(c->beta1, t)));
        float b1 = c->beta1, b2 = c->beta2, eps = c->epsilon;
#pragma omp parallel for schedule(static)
        for (int64_t k = 0; k < n; k++) {
            mo[k] = b1 * mo[k] + (1.0f - b1) * gr[k];
            v[k] = b2 * v[k] + (1.0f - b2) * gr[k] * gr[k];
            p[k] -= lr_t * mo[k] / (sqrtf(v[k]) + eps);
        }
    } else {
        float *vel = e->opt, mom = c->momentum;
        int nest = c->nesterov;
#pragma omp parallel for schedule(static)
        for (int64_t k = 0; k < n; k++) {
            vel[k] = mom * vel[k] - lr * gr[k];
            p[k] += nest ? mom * vel[k] - lr * gr[k] : vel[k];
        }
    }
}

float an_exec_train_step(an_exec *e, const int32_t *labels, int B, int *n_correct) {
    float loss = backward(e, labels, B, n_correct);
    optimizer_step(e);
    return loss;
}

float an_exec_loss_backward(an_exec *e, const float *x, const int32_t *labels, int B) {
    an_exec_forward(e, x, B, 1, 0);
    return backward(e, labels, B, NULL);
}

const float *an_exec_node_output(const an_exec *e, int i) {
    return i >= 0 && i < e->m->n_nodes ? e->act[i] : NULL;
}

const float *an_exec_param_grads(const an_exec *e) {
    return e->pgrad;
}

int64_t an_exec_step_count(const an_exec *e) {
    return e->step;
}

void an_exec_set_step_count(an_exec *e, int64_t step) {
    e->step = step;
}

float *an_exec_optim_state(an_exec *e, int64_t *n) {
    *n = e->n_opt;
    return e->opt;
}
