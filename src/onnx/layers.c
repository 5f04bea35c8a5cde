/*
** The layer list of a float import and its model spec: each layer becomes
** one spec line (docs/model-spec.md grammar, every input named with from=,
** padding written as valid, same or pad=T,L,B,R), the text is parsed by
** an_model_parse like any hand-written spec, and the imported parameters
** are copied into the parsed model. So a checkpoint of an imported model
** embeds a spec that rebuilds exactly this graph.
*/
#include "onnx_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OX_MAX_LAYERS 1024

/* A spec-safe, unique layer name from the node's name (or op type). */
static void layer_name(ox_ctx *x, const ox_layers *L, const char *suffix, char *out) {
    char base[AN_NODE_NAME_MAX - 8], nb[24];
    const char *src = x->node ? ox_node_name(x, x->node, x->node_index, nb, sizeof nb) : "input";
    if (src[0] == '#') src = x->node->op_type;
    size_t k = 0;
    for (const char *p = src; *p && k < sizeof base - 1; p++) {
        const char c = *p;
        int ok = isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
        if (!ok && (k == 0 || base[k - 1] == '_')) continue; /* no leading/double '_' */
        base[k++] = ok ? c : '_';
    }
    while (k > 0 && base[k - 1] == '_') k--;
    base[k] = '\0';
    if (!k) snprintf(base, sizeof base, "layer");
    if (suffix) {
        size_t room = sizeof base - 1 - strlen(base);
        strncat(base, suffix, room);
    }
    snprintf(out, AN_NODE_NAME_MAX, "%s", base);
    for (int n = 2;; n++) {
        int clash = x->node && strcmp(out, "input") == 0;
        for (int i = 0; i < L->n && !clash; i++) clash = strcmp(L->v[i].name, out) == 0;
        if (!clash) return;
        snprintf(out, AN_NODE_NAME_MAX, "%s_%d", base, n);
    }
}

int ox_layer_add(ox_ctx *x, ox_layers *L, an_op op, const char *suffix) {
    if (L->n == OX_MAX_LAYERS) {
        ox_problem(x, "too many layers (at most %d)", OX_MAX_LAYERS);
        return -1;
    }
    if (L->n == L->cap) {
        int nc = L->cap ? L->cap * 2 : 32;
        ox_layer *nv = realloc(L->v, sizeof *nv * (size_t)nc);
        if (!nv) {
            ox_problem(x, "out of memory");
            return -1;
        }
        L->v = nv, L->cap = nc;
    }
    ox_layer *l = &L->v[L->n];
    *l = (ox_layer){.op = op, .in = {-1, -1}, .groups = 1, .eps = 1e-5f};
    layer_name(x, L, suffix, l->name);
    return L->n++;
}

void ox_layers_free(ox_layers *L) {
    free(L->v);
    *L = (ox_layers){0};
}

static void window_text(const ox_layer *l, char *buf, size_t n) {
    const ox_window *w = &l->win;
    const char *pad = w->padmode == 1 ? "same" : "valid";
    char pads[48];
    if (w->padmode == AN_PAD_EXPLICIT) {
        snprintf(pads, sizeof pads, "pad=%d,%d,%d,%d", w->pt, w->pl, w->pb, w->pr);
        pad = pads;
    }
    snprintf(buf, n, "%dx%d stride=%dx%d %s", w->kh, w->kw, w->sh, w->sw, pad);
}

static void layer_line(const ox_layers *L, const ox_layer *l, an_buf *b) {
    if (l->op == AN_OP_INPUT) {
        if (l->h == 1 && l->w == 1)
            an_buf_printf(b, "input %d\n", l->c);
        else
            an_buf_printf(b, "input %dx%dx%d\n", l->h, l->w, l->c);
        return;
    }
    char args[96] = "";
    switch (l->op) {
    case AN_OP_CONV2D: {
        char win[80];
        window_text(l, win, sizeof win);
        snprintf(args, sizeof args, " %d %s", l->units, win);
        if (l->groups > 1) {
            const size_t n = strlen(args);
            snprintf(args + n, sizeof args - n, " groups=%d", l->groups);
        }
        break;
    }
    case AN_OP_MAXPOOL:
    case AN_OP_AVGPOOL:
        window_text(l, args + 1, sizeof args - 1);
        args[0] = ' ';
        break;
    case AN_OP_DENSE:
        snprintf(args, sizeof args, " %d", l->units);
        break;
    case AN_OP_BATCHNORM:
        snprintf(args, sizeof args, " epsilon=%.9g", (double)l->eps);
        break;
    case AN_OP_ADD:
        snprintf(args, sizeof args, " %s", L->v[l->in[1]].name);
        break;
    default:
        break;
    }
    const char *kw = l->op == AN_OP_MAXPOOL   ? "maxpool2d"
                     : l->op == AN_OP_AVGPOOL ? "avgpool2d"
                                              : AN_OP_NAME[l->op];
    an_buf_printf(b, "%s%s%s%s name=%s from=%s\n", kw, args, l->act ? " " : "",
                  l->act ? AN_ACT_NAME[l->act] : "", l->name, L->v[l->in[0]].name);
}

/* Copy n floats into the model's parameters at off (n must match). */
static an_status put(const an_model *m, const an_node *nd, int64_t off, int64_t want,
                     const float *src, int64_t n, const char *what) {
    if (off < 0 || !src) return AN_OK;
    if (n != want)
        return an_fail(AN_ERR_INTERNAL, "%s: %s: %s has %lld values, the model wants %lld",
                       m->source, nd->name, what, (long long)n, (long long)want);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(src[i]))
            return an_fail(AN_ERR_RANGE,
                           "%s: %s: %s value %lld is not finite (alpha/beta overflow?)", m->source,
                           nd->name, what, (long long)i);
    memcpy(m->params + off, src, sizeof(float) * (size_t)n);
    return AN_OK;
}

an_status ox_layers_to_model(ox_ctx *x, const ox_layers *L, const char *comment, an_model *m) {
    an_buf b = {0};
    an_buf_printf(&b, "%s", comment);
    for (int i = 0; i < L->n; i++) layer_line(L, &L->v[i], &b);
    an_buf_printf(&b, "compile optimizer=adam lr=0.001 loss=sparse_categorical_crossentropy "
                      "metrics=accuracy\n");
    char *s = an_buf_take(&b);
    if (!s) return an_fail(AN_ERR_NOMEM, "%s: out of memory (spec)", x->name);
    an_status st = an_model_parse(s, x->name, m);
    free(s);
    if (st)
        return an_fail_context(st, "%s: the imported graph does not form a valid model", x->name);
    if (m->n_nodes != L->n) st = an_fail(AN_ERR_INTERNAL, "%s: layer count changed", x->name);
    for (int i = 0; i < L->n && !st; i++) {
        const ox_layer *l = &L->v[i];
        const an_node *nd = &m->nodes[i];
        if (nd->h != l->h || nd->w != l->w || nd->c != l->c)
            st = an_fail(AN_ERR_INTERNAL, "%s: %s: shape %dx%dx%d, ONNX says %dx%dx%d", x->name,
                         nd->name, nd->h, nd->w, nd->c, l->h, l->w, l->c);
        if (!st) st = put(m, nd, nd->w_off, nd->n_w, l->wt, l->n_wt, "weights");
        if (!st && l->op == AN_OP_BATCHNORM) {
            if (!st) st = put(m, nd, nd->b_off, nd->c, l->bias, nd->c, "beta");
            if (!st) st = put(m, nd, nd->rm_off, nd->c, l->mean, nd->c, "mean");
            if (!st) st = put(m, nd, nd->rv_off, nd->c, l->var, nd->c, "variance");
        } else if (!st)
            st = put(m, nd, nd->b_off, nd->n_b, l->bias, nd->n_b, "bias");
    }
    if (st) an_model_free(m);
    return st;
}
