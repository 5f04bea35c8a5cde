/*
** The model graph: name tables, shape inference, parameter layout, Keras
** default initialisation, MAC counts.
*/
#include "nn_internal.h"

#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const AN_OP_NAME[AN_OP_COUNT] = {
    [AN_OP_INPUT] = "input",         [AN_OP_CONV2D] = "conv2d", [AN_OP_MAXPOOL] = "maxpool",
    [AN_OP_AVGPOOL] = "avgpool",     [AN_OP_DENSE] = "dense",   [AN_OP_FLATTEN] = "flatten",
    [AN_OP_DROPOUT] = "dropout",     [AN_OP_RELU] = "relu",     [AN_OP_RELU6] = "relu6",
    [AN_OP_BATCHNORM] = "batchnorm", [AN_OP_ADD] = "add",
};
const char *const AN_ACT_NAME[AN_ACT_COUNT] = {"none", "relu", "relu6"};
const char *const AN_OPTIM_NAME[AN_OPTIM_COUNT] = {"sgd", "adam"};
const char *const AN_DECAY_NAME[AN_DECAY_COUNT] = {"none", "step", "cosine"};
const char *const AN_LOSS_NAME[AN_LOSS_COUNT] = {"sparse_categorical_crossentropy",
                                                 "categorical_crossentropy"};

an_status nn_read_text(const char *path, char **text) {
    size_t n;
    an_status s = an_read_file(path, 1 << 20, text, &n);
    if (!s && strlen(*text) != n) {
        free(*text);
        *text = NULL;
        return an_fail(AN_ERR_FORMAT, "%s: not a text file (contains a NUL byte)", path);
    }
    return s;
}

int an_model_find(const an_model *m, const char *name) {
    for (int i = 0; i < m->n_nodes; i++)
        if (strcmp(m->nodes[i].name, name) == 0) return i;
    return -1;
}

static an_status node_err(const an_model *m, const an_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static an_status node_err(const an_model *m, const an_node *n, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return an_fail(AN_ERR_FORMAT, "%s:%d: %s: %s", m->source, n->line, n->name, msg);
}

/* Output shape of node n from its input(s); parameter counts. */
static an_status infer(const an_model *m, an_node *n) {
    const an_node *in = &m->nodes[n->inputs[0]];
    int vec = in->h == 1 && in->w == 1;
    n->h = in->h, n->w = in->w, n->c = in->c;
    n->n_w = n->n_b = 0;
    switch (n->op) {
    case AN_OP_CONV2D:
    case AN_OP_MAXPOOL:
    case AN_OP_AVGPOOL:
        if (vec && (n->kh > 1 || n->kw > 1))
            return node_err(m, n, "input is a vector of %d; %s needs an image (HxWxC)", in->c,
                            AN_OP_NAME[n->op]);
        if (n->same == AN_PAD_EXPLICIT) {
            if (n->pt >= n->kh || n->pb >= n->kh || n->pl >= n->kw || n->pr >= n->kw)
                return node_err(m, n, "padding %d,%d,%d,%d must be smaller than the %dx%d window",
                                n->pt, n->pl, n->pb, n->pr, n->kh, n->kw);
            /* the padded input must hold one window; a pad of 0 is "valid" */
            n->h = nn_out_size(in->h + n->pt + n->pb, n->kh, n->sh, 0);
            n->w = nn_out_size(in->w + n->pl + n->pr, n->kw, n->sw, 0);
            if (n->h < 1 || n->w < 1)
                return node_err(m, n, "window %dx%d is larger than its padded %dx%dx%d input",
                                n->kh, n->kw, in->h, in->w, in->c);
        } else {
            if (!n->same && (n->kh > in->h || n->kw > in->w))
                return node_err(m, n, "window %dx%d is larger than its %dx%dx%d input", n->kh,
                                n->kw, in->h, in->w, in->c);
            n->h = nn_out_size(in->h, n->kh, n->sh, n->same);
            n->w = nn_out_size(in->w, n->kw, n->sw, n->same);
            n->pt = nn_pad_before(in->h, n->kh, n->sh, n->same);
            n->pl = nn_pad_before(in->w, n->kw, n->sw, n->same);
        }
        if (n->op == AN_OP_CONV2D) {
            if (n->depthwise) n->units = n->groups = in->c;
            if (n->groups < 1 || in->c % n->groups != 0 || n->units % n->groups != 0)
                return node_err(m, n,
                                "groups=%d must divide the input's %d channels and the %d "
                                "filters",
                                n->groups, in->c, n->units);
            n->c = n->units;
            n->n_w = (int64_t)n->kh * n->kw * (in->c / n->groups) * n->units;
            n->n_b = n->units;
        }
        break;
    case AN_OP_DENSE:
        if (!vec)
            return node_err(m, n,
                            "input is %dx%dx%d (3-D) but dense needs a vector; add 'flatten' "
                            "before this line",
                            in->h, in->w, in->c);
        n->c = n->units;
        n->n_w = (int64_t)in->c * n->units;
        n->n_b = n->units;
        break;
    case AN_OP_FLATTEN:
        n->h = n->w = 1;
        n->c = in->h * in->w * in->c;
        break;
    case AN_OP_BATCHNORM:
        n->n_w = n->n_b = in->c;
        break;
    case AN_OP_ADD: {
        const an_node *o = &m->nodes[n->inputs[1]];
        if (o->h != in->h || o->w != in->w || o->c != in->c)
            return node_err(m, n, "cannot add %s (%dx%dx%d) to %s (%dx%dx%d): shapes differ",
                            o->name, o->h, o->w, o->c, in->name, in->h, in->w, in->c);
        break;
    }
    default:
        break;
    }
    if (n->h < 1 || n->w < 1)
        return node_err(m, n, "output would be empty (input %dx%dx%d)", in->h, in->w, in->c);
    if ((int64_t)n->h * n->w * n->c > (1 << 26))
        return node_err(m, n, "output %dx%dx%d is too large", n->h, n->w, n->c);
    return AN_OK;
}

an_status nn_graph_finish(an_model *m) {
    for (int i = 1; i < m->n_nodes; i++) {
        an_status s = infer(m, &m->nodes[i]);
        if (s) return s;
    }
    m->output = m->n_nodes - 1;
    /* trainable parameters first, so the optimizer sees one contiguous range */
    int64_t off = 0;
    for (int i = 0; i < m->n_nodes; i++) {
        an_node *n = &m->nodes[i];
        if (n->n_w) n->w_off = off, off += n->n_w;
        if (n->n_b) n->b_off = off, off += n->n_b;
    }
    m->n_trainable = off;
    for (int i = 0; i < m->n_nodes; i++) {
        an_node *n = &m->nodes[i];
        if (n->op != AN_OP_BATCHNORM) continue;
        n->rm_off = off, off += n->c;
        n->rv_off = off, off += n->c;
    }
    m->n_params = off;
    m->params = calloc((size_t)(off ? off : 1), sizeof(float));
    if (!m->params) return an_fail(AN_ERR_NOMEM, "%s: cannot allocate parameters", m->source);
    return AN_OK;
}

void an_model_free(an_model *m) {
    free(m->nodes);
    free(m->params);
    free(m->spec);
    *m = (an_model){0};
}

int64_t an_node_macs(const an_model *m, const an_node *n) {
    const an_node *in = &m->nodes[n->inputs[0]];
    switch (n->op) {
    case AN_OP_CONV2D:
        return (int64_t)n->h * n->w * n->c * n->kh * n->kw * (in->c / n->groups);
    case AN_OP_DENSE:
        return (int64_t)in->c * n->c;
    default:
        return 0;
    }
}

void an_model_init_params(an_model *m, uint64_t seed) {
    an_rng r;
    an_rng_seed(&r, seed, 0x5eed);
    for (int i = 0; i < m->n_nodes; i++) {
        an_node *n = &m->nodes[i];
        const an_node *in = n->op == AN_OP_INPUT ? n : &m->nodes[n->inputs[0]];
        float *w = n->w_off >= 0 ? m->params + n->w_off : NULL;
        float *b = n->b_off >= 0 ? m->params + n->b_off : NULL;
        if (n->op == AN_OP_CONV2D || n->op == AN_OP_DENSE) {
            /* Glorot uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) */
            double rf = n->op == AN_OP_CONV2D ? (double)n->kh * n->kw : 1.0;
            const int G = n->op == AN_OP_CONV2D ? n->groups : 1;
            double fan_in = rf * in->c / G, fan_out = rf * n->units / G;
            float lim = (float)sqrt(6.0 / (fan_in + fan_out));
            for (int64_t k = 0; k < n->n_w; k++) w[k] = (2.0f * an_rng_uniform(&r) - 1.0f) * lim;
            for (int64_t k = 0; k < n->n_b; k++) b[k] = 0.0f;
        } else if (n->op == AN_OP_BATCHNORM) {
            for (int c = 0; c < n->c; c++) {
                w[c] = 1.0f;
                b[c] = 0.0f;
                m->params[n->rm_off + c] = 0.0f;
                m->params[n->rv_off + c] = 1.0f;
            }
        }
    }
}
