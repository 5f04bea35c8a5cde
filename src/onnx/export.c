/*
** Float export: an asicnn model as opset-13 ONNX with an NCHW input
** ([N, C, H, W], or [N, F] for feature vectors) and logits as output.
** HWIO kernels become OIHW; dense kernels stay [in][out] (Gemm, transB=0)
** with their rows permuted from asicnn's HWC flatten order to ONNX's CHW;
** activations become Relu / Clip(0, 6) nodes; pads are written explicitly;
** average pooling excludes padding (count_include_pad=0), as asicnn does;
** dropout disappears; the input normalisation comes first (norm.c).
** Importing the file gives back the same model.
*/
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct xctx {
    ox_builder b;
    const an_model *m;
    const char **val; /* [n_nodes] ONNX value holding node i's output */
    /* [n_nodes] image shape a vector was flattened from (CHW order in ONNX) */
    int *fh, *fw, *fc;
    int *four;                     /* [n_nodes] node i's ONNX value is 4-D (N x C x H x W) */
    const char *clip_lo, *clip_hi; /* shared Clip bounds, made on first use */
} xctx;

static const char *value(xctx *X, int i) {
    return X->val[X->m->nodes[i].inputs[0]];
}

/* Relu / Clip(0, 6) after a node with a fused activation; returns the
** value holding the result. */
static const char *activation(xctx *X, const an_node *n, an_act act, const char *in) {
    if (act == AN_ACT_NONE) return in;
    char nm[AN_NODE_NAME_MAX + 8];
    snprintf(nm, sizeof nm, "%s/%s", n->name, act == AN_ACT_RELU ? "relu" : "relu6");
    const char *out = ox_build_name(&X->b, nm);
    if (act == AN_ACT_RELU) {
        ox_build_node(&X->b, "Relu", nm, (const char *const[]){in, NULL},
                      (const char *const[]){out, NULL});
        return out;
    }
    if (!X->clip_lo) {
        const float lo = 0.0f, hi = 6.0f;
        X->clip_lo = ox_build_init_f32(&X->b, "relu6_min", &lo, NULL, 0);
        X->clip_hi = ox_build_init_f32(&X->b, "relu6_max", &hi, NULL, 0);
    }
    ox_build_node(&X->b, "Clip", nm, (const char *const[]){in, X->clip_lo, X->clip_hi, NULL},
                  (const char *const[]){out, NULL});
    return out;
}

/* kernel_shape, strides and explicit pads of a conv or pool node. */
static void window(xctx *X, Onnx__NodeProto *o, const an_node *n) {
    const an_node *in = &X->m->nodes[n->inputs[0]];
    int pb = n->pb, pr = n->pr;
    if (n->same != AN_PAD_EXPLICIT) {
        pb = (n->h - 1) * n->sh + n->kh - in->h - n->pt;
        pr = (n->w - 1) * n->sw + n->kw - in->w - n->pl;
        pb = pb > 0 ? pb : 0, pr = pr > 0 ? pr : 0;
    }
    const int64_t k[2] = {n->kh, n->kw}, s[2] = {n->sh, n->sw};
    const int64_t p[4] = {n->pt, n->pl, pb, pr};
    ox_build_attr_ints(&X->b, o, "kernel_shape", k, 2);
    ox_build_attr_ints(&X->b, o, "strides", s, 2);
    ox_build_attr_ints(&X->b, o, "pads", p, 4);
}

static char *param_name(const an_node *n, const char *what, char *buf, size_t size) {
    snprintf(buf, size, "%s/%s", n->name, what);
    return buf;
}

static an_status conv(xctx *X, int i) {
    const an_node *n = &X->m->nodes[i];
    /* C: the input channels each filter reads (in_c / groups) */
    const int C = X->m->nodes[n->inputs[0]].c / n->groups, M = n->c, KH = n->kh, KW = n->kw;
    const float *W = X->m->params + n->w_off;
    float *oihw = malloc(sizeof(float) * (size_t)n->n_w);
    if (!oihw) return an_fail(AN_ERR_NOMEM, "out of memory (export %s)", n->name);
    for (int m = 0; m < M; m++)
        for (int c = 0; c < C; c++)
            for (int ky = 0; ky < KH; ky++)
                for (int kx = 0; kx < KW; kx++)
                    oihw[(((int64_t)m * C + c) * KH + ky) * KW + kx] =
                        W[(((int64_t)ky * KW + kx) * C + c) * M + m];
    char wn[80], bn[80];
    const int64_t wd[4] = {M, C, KH, KW}, bd[1] = {M};
    ox_build_init_f32(&X->b, param_name(n, "kernel", wn, sizeof wn), oihw, wd, 4);
    ox_build_init_f32(&X->b, param_name(n, "bias", bn, sizeof bn), X->m->params + n->b_off, bd, 1);
    free(oihw);
    const char *out = ox_build_name(&X->b, n->name);
    Onnx__NodeProto *o =
        ox_build_node(&X->b, "Conv", n->name, (const char *const[]){value(X, i), wn, bn, NULL},
                      (const char *const[]){out, NULL});
    window(X, o, n);
    if (n->groups > 1) ox_build_attr_int(&X->b, o, "group", n->groups);
    X->val[i] = activation(X, n, n->act, out);
    return AN_OK;
}

static an_status dense(xctx *X, int i) {
    const an_node *n = &X->m->nodes[i];
    const int in = n->inputs[0];
    const int K = X->m->nodes[in].c, M = n->c;
    const int H = X->fh[in], W = X->fw[in], C = X->fc[in];
    const float *Wt = X->m->params + n->w_off;
    const char *a = value(X, i);
    if (X->four[in]) { /* a 1 x 1 x C image: Gemm needs N x C */
        char nm[AN_NODE_NAME_MAX + 8];
        snprintf(nm, sizeof nm, "%s/flatten", n->name);
        const char *flat = ox_build_name(&X->b, nm);
        ox_build_node(&X->b, "Flatten", nm, (const char *const[]){a, NULL},
                      (const char *const[]){flat, NULL});
        a = flat;
    }
    float *w = malloc(sizeof(float) * (size_t)n->n_w);
    if (!w) return an_fail(AN_ERR_NOMEM, "out of memory (export %s)", n->name);
    for (int k = 0; k < K; k++) {
        int r = k; /* asicnn row of ONNX feature k */
        if (C) {
            const int c = k / (H * W), y = k / W % H, x = k % W;
            r = (y * W + x) * C + c;
        }
        memcpy(w + (int64_t)k * M, Wt + (int64_t)r * M, sizeof(float) * (size_t)M);
    }
    char wn[80], bn[80];
    const int64_t wd[2] = {K, M}, bd[1] = {M};
    ox_build_init_f32(&X->b, param_name(n, "kernel", wn, sizeof wn), w, wd, 2);
    ox_build_init_f32(&X->b, param_name(n, "bias", bn, sizeof bn), X->m->params + n->b_off, bd, 1);
    free(w);
    const char *out = ox_build_name(&X->b, n->name);
    ox_build_node(&X->b, "Gemm", n->name, (const char *const[]){a, wn, bn, NULL},
                  (const char *const[]){out, NULL});
    X->val[i] = activation(X, n, n->act, out);
    return AN_OK;
}

static an_status batchnorm(xctx *X, int i) {
    const an_node *n = &X->m->nodes[i];
    if (X->fc[n->inputs[0]])
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: %s: a batchnorm on a flattened image cannot be exported (its "
                       "features are in HWC order)",
                       X->m->source, n->name);
    char g[80], b[80], mu[80], var[80];
    const int64_t d[1] = {n->c};
    const float *p = X->m->params;
    ox_build_init_f32(&X->b, param_name(n, "gamma", g, sizeof g), p + n->w_off, d, 1);
    ox_build_init_f32(&X->b, param_name(n, "beta", b, sizeof b), p + n->b_off, d, 1);
    ox_build_init_f32(&X->b, param_name(n, "mean", mu, sizeof mu), p + n->rm_off, d, 1);
    ox_build_init_f32(&X->b, param_name(n, "var", var, sizeof var), p + n->rv_off, d, 1);
    const char *out = ox_build_name(&X->b, n->name);
    Onnx__NodeProto *o = ox_build_node(&X->b, "BatchNormalization", n->name,
                                       (const char *const[]){value(X, i), g, b, mu, var, NULL},
                                       (const char *const[]){out, NULL});
    ox_build_attr_float(&X->b, o, "epsilon", n->eps);
    X->val[i] = out;
    return AN_OK;
}

/* Nodes without parameters: one ONNX node each (dropout: none). */
static an_status simple(xctx *X, int i) {
    const an_node *n = &X->m->nodes[i];
    if (n->op == AN_OP_DROPOUT) {
        X->val[i] = value(X, i);
        return AN_OK;
    }
    if (n->op == AN_OP_RELU || n->op == AN_OP_RELU6) {
        X->val[i] = activation(X, n, n->op == AN_OP_RELU ? AN_ACT_RELU : AN_ACT_RELU6, value(X, i));
        return AN_OK;
    }
    const char *op = n->op == AN_OP_MAXPOOL   ? "MaxPool"
                     : n->op == AN_OP_AVGPOOL ? "AveragePool"
                     : n->op == AN_OP_FLATTEN ? "Flatten"
                                              : "Add";
    const char *out = ox_build_name(&X->b, n->name);
    const char *b = n->op == AN_OP_ADD ? X->val[n->inputs[1]] : NULL;
    Onnx__NodeProto *o =
        ox_build_node(&X->b, op, n->name, (const char *const[]){value(X, i), b, NULL},
                      (const char *const[]){out, NULL});
    if (n->op == AN_OP_MAXPOOL || n->op == AN_OP_AVGPOOL) window(X, o, n);
    if (n->op == AN_OP_AVGPOOL) ox_build_attr_int(&X->b, o, "count_include_pad", 0);
    X->val[i] = out;
    return AN_OK;
}

an_status an_onnx_export_model_buffer(const an_model *m, const an_norm *norm, const char *data_opts,
                                      uint8_t **buf, size_t *n) {
    xctx X = {.m = m};
    const int nn = m->n_nodes;
    X.val = calloc((size_t)nn, sizeof *X.val);
    X.fh = calloc((size_t)nn, sizeof(int)), X.fw = calloc((size_t)nn, sizeof(int));
    X.fc = calloc((size_t)nn, sizeof(int)), X.four = calloc((size_t)nn, sizeof(int));
    an_status s = AN_OK;
    if (!X.val || !X.fh || !X.fw || !X.fc || !X.four)
        s = an_fail(AN_ERR_NOMEM, "out of memory (export)");
    ox_build_init(&X.b, "asicnn");
    const an_node *in = &m->nodes[0];
    const int vec = in->h == 1 && in->w == 1;
    const int64_t id4[4] = {0, in->c, in->h, in->w}, id2[2] = {0, in->c};
    ox_build_io(&X.b, 0, "input", vec ? id2 : id4, vec ? 2 : 4);
    const char *in_val = ox_export_norm(&X.b, norm, in, vec);
    if (data_opts && data_opts[0]) ox_build_meta(&X.b, OX_META_DATA, data_opts);
    if (X.val) X.val[0] = in_val, X.four[0] = !vec;
    for (int i = 1; i < nn && !s; i++) {
        const an_node *nd = &m->nodes[i];
        const an_node *src = &m->nodes[nd->inputs[0]];
        /* the CHW order of a flattened image follows the vector along */
        if (nd->op == AN_OP_FLATTEN && src->h * src->w > 1 && src->c > 1)
            X.fh[i] = src->h, X.fw[i] = src->w, X.fc[i] = src->c;
        else if (nd->op != AN_OP_DENSE && nd->op != AN_OP_FLATTEN)
            X.fh[i] = X.fh[nd->inputs[0]], X.fw[i] = X.fw[nd->inputs[0]],
            X.fc[i] = X.fc[nd->inputs[0]];
        X.four[i] = nd->op != AN_OP_DENSE && nd->op != AN_OP_FLATTEN && X.four[nd->inputs[0]];
        switch (nd->op) {
        case AN_OP_CONV2D:
            s = conv(&X, i);
            break;
        case AN_OP_DENSE:
            s = dense(&X, i);
            break;
        case AN_OP_BATCHNORM:
            s = batchnorm(&X, i);
            break;
        default:
            s = simple(&X, i);
            break;
        }
    }
    const an_node *on = &m->nodes[m->output];
    if (!s && X.four[m->output] && on->h * on->w > 1)
        s = an_fail(AN_ERR_UNSUPPORTED, "%s: the output %s is an image (%dx%dx%d); add a flatten",
                    m->source, on->name, on->h, on->w, on->c);
    if (!s) {
        s = ox_build_output_finish(&X.b, X.val[m->output], X.four[m->output],
                                   an_node_size(&m->nodes[m->output]), buf, n);
    } else {
        ox_build_free(&X.b);
    }
    free(X.val);
    free(X.fh);
    free(X.fw);
    free(X.fc);
    free(X.four);
    return s;
}

an_status an_onnx_export_model(const char *path, const an_model *m, const an_norm *norm,
                               const char *data_opts) {
    uint8_t *buf;
    size_t n;
    an_status s = an_onnx_export_model_buffer(m, norm, data_opts, &buf, &n);
    if (!s) s = ox_write_file(path, buf, n);
    free(buf);
    return s;
}
