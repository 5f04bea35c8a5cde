/*
** Float ONNX import: map each node onto asicnn layers (NHWC, HWIO conv
** kernels, [in][out] dense kernels).
**
** - Conv: OIHW weights transposed to HWIO; pads become valid, Keras same or
**   explicit pad=T,L,B,R. Relu / Clip(0, 6) right after a conv or dense
**   (its only user) becomes its activation; BatchNormalization stays a
**   batchnorm layer (the quantizer folds it), so export round-trips exactly.
** - Gemm (alpha, beta, transB) and MatMul + Add become dense layers. When
**   the input vector came from flattening an NCHW image, ONNX's rows are in
**   CHW order and asicnn's in HWC order: the rows are permuted.
** - Flatten and a constant Reshape to [N, F] become flatten; Dropout and
**   Identity disappear; a Softmax on the output is dropped (logits).
** Every unsupported node or attribute is recorded and reported together.
*/
#include "onnx_internal.h"

#include <math.h>
#include <string.h>

typedef struct fctx {
    ox_ctx *x;
    ox_layers L;
    int softmax_dropped;
} fctx;

/* ---- small helpers ---- */

static int is_act(const ox_val *v) {
    return v && (v->kind == OX_IMG || v->kind == OX_VEC);
}

static void set_out(fctx *F, int layer, ox_kind kind) {
    ox_val *o = ox_out(F->x, 0);
    if (!o) return;
    const ox_layer *l = &F->L.v[layer];
    o->kind = kind, o->id = layer, o->h = l->h, o->w = l->w, o->c = l->c;
    o->chw_h = o->chw_w = o->chw_c = 0;
}

/* Output 0 of the node is the same tensor as v. */
static void alias(fctx *F, const ox_val *v) {
    ox_val *o = ox_out(F->x, 0);
    if (!o) return;
    o->kind = v->kind, o->id = v->id, o->h = v->h, o->w = v->w, o->c = v->c;
    o->chw_h = v->chw_h, o->chw_w = v->chw_w, o->chw_c = v->chw_c;
}

/* A new layer reading v; shape from the caller. */
static ox_layer *layer(fctx *F, an_op op, const ox_val *v, int *idx) {
    *idx = ox_layer_add(F->x, &F->L, op, NULL);
    if (*idx < 0) return NULL;
    ox_layer *l = &F->L.v[*idx];
    l->in[0] = v->id, l->n_in = 1;
    l->h = v->h, l->w = v->w, l->c = v->c;
    return l;
}

/* Input k as a constant float tensor with the expected rank (-1: any) and
** element count (-1: any). */
static float *const_in(fctx *F, int k, const char *what, int rank, int64_t count, int64_t *n,
                       const int64_t **dims) {
    ox_val *v = ox_in(F->x, k);
    if (!v || v->kind != OX_CONST) {
        ox_problem(F->x, "%s must be a constant (an initializer)", what);
        return NULL;
    }
    if (rank >= 0 && (int)v->t->n_dims != rank) {
        ox_problem(F->x, "%s has %zu dimensions, expected %d", what, v->t->n_dims, rank);
        return NULL;
    }
    float *f;
    int64_t cnt;
    if (ox_tensor_f32(F->x, v->t, &f, &cnt)) {
        ox_problem(F->x, "%s: %s", what, an_errmsg());
        return NULL;
    }
    if (count >= 0 && cnt != count) {
        ox_problem(F->x, "%s has %lld values, expected %lld", what, (long long)cnt,
                   (long long)count);
        return NULL;
    }
    if (n) *n = cnt;
    if (dims) *dims = v->t->dims;
    return f;
}

/* The layer that produced v when v is its only reader's input: for fusion. */
static ox_layer *fusable(fctx *F, const ox_val *v, an_op op) {
    if (!is_act(v) || v->users != 1 || v->graph_output || v->id < 0) return NULL;
    ox_layer *l = &F->L.v[v->id];
    if (l->op != op && !(op == AN_OP_DENSE && l->op == AN_OP_CONV2D)) return NULL;
    return l->act == AN_ACT_NONE ? l : NULL;
}

static float *falloc(fctx *F, int64_t n) {
    float *p = an_arena_alloc(&F->x->arena, sizeof(float) * (size_t)(n > 0 ? n : 1), 16);
    if (!p) ox_problem(F->x, "out of memory");
    return p;
}

/* ---- the ops ---- */

static void map_conv(fctx *F) {
    ox_ctx *x = F->x;
    static const char *const known[] = {"kernel_shape", "strides",  "pads", "dilations",
                                        "group",        "auto_pad", NULL};
    ox_check_attrs(x, known);
    const int64_t group = ox_attr_int(x, "group", 1);
    ox_val *X = ox_in(x, 0);
    if (!X || X->kind != OX_IMG) {
        ox_problem(x, "input must be an N x C x H x W activation");
        return;
    }
    if (group < 1 || group > X->c || X->c % group != 0) {
        ox_problem(x, "group=%lld does not divide the %d input channels", (long long)group, X->c);
        return;
    }
    const int G = (int)group;
    const int64_t *d;
    float *W = const_in(F, 1, "weight", 4, -1, NULL, &d);
    if (!W) return;
    if (d[1] != X->c / G || d[0] < 1 || d[0] > 65536 || d[0] % G != 0 || d[2] < 1 || d[2] > 64 ||
        d[3] < 1 || d[3] > 64) {
        ox_problem(x,
                   "weight shape %lldx%lldx%lldx%lld does not fit a %d-channel input in %d "
                   "group(s)",
                   (long long)d[0], (long long)d[1], (long long)d[2], (long long)d[3], X->c, G);
        return;
    }
    /* C: the input channels each filter reads (all of them unless grouped) */
    const int M = (int)d[0], C = (int)d[1], KH = (int)d[2], KW = (int)d[3];
    float *B = NULL;
    if (ox_in(x, 2) && !(B = const_in(F, 2, "bias", 1, M, NULL, NULL))) return;
    ox_window win = {.kh = KH, .kw = KW};
    if (ox_window_attrs(x, X->h, X->w, 1, &win)) return;
    int idx;
    ox_layer *l = layer(F, AN_OP_CONV2D, X, &idx);
    if (!l) return;
    l->units = M, l->groups = G, l->win = win, l->h = win.oh, l->w = win.ow, l->c = M;
    l->n_wt = (int64_t)KH * KW * C * M;
    if (!(l->wt = falloc(F, l->n_wt))) return;
    /* OIHW -> HWIO (I = C/G when grouped) */
    for (int m = 0; m < M; m++)
        for (int c = 0; c < C; c++)
            for (int ky = 0; ky < KH; ky++)
                for (int kx = 0; kx < KW; kx++)
                    l->wt[(((int64_t)ky * KW + kx) * C + c) * M + m] =
                        W[(((int64_t)m * C + c) * KH + ky) * KW + kx];
    l->bias = B;
    set_out(F, idx, OX_IMG);
}

/* Dense from a constant weight read as w(k, m) = src[k * sk + m * sm]
** (ONNX row order), rows permuted from CHW to HWC when needed. */
static ox_layer *dense(fctx *F, const ox_val *A, const float *src, int K, int M, int64_t sk,
                       int64_t sm, float alpha, int *idx) {
    ox_layer *l = layer(F, AN_OP_DENSE, A, idx);
    if (!l) return NULL;
    l->units = M, l->h = 1, l->w = 1, l->c = M;
    l->n_wt = (int64_t)K * M;
    if (!(l->wt = falloc(F, l->n_wt))) return NULL;
    const int H = A->chw_h, W = A->chw_w, C = A->chw_c;
    for (int k = 0; k < K; k++) {
        int r = k; /* asicnn row of ONNX feature k */
        if (C) {
            const int c = k / (H * W), y = k / W % H, xx = k % W;
            r = (y * W + xx) * C + c;
        }
        for (int m = 0; m < M; m++)
            l->wt[(int64_t)r * M + m] = alpha * src[(int64_t)k * sk + (int64_t)m * sm];
    }
    return l;
}

static const ox_val *vec_input(fctx *F) {
    ox_val *A = ox_in(F->x, 0);
    if (!A || A->kind != OX_VEC) {
        ox_problem(F->x, "input A must be an N x F activation (add a Flatten before it)");
        return NULL;
    }
    return A;
}

static void map_gemm(fctx *F) {
    ox_ctx *x = F->x;
    static const char *const known[] = {"alpha", "beta", "transA", "transB", NULL};
    ox_check_attrs(x, known);
    const float alpha = ox_attr_float(x, "alpha", 1.0f), beta = ox_attr_float(x, "beta", 1.0f);
    const int64_t ta = ox_attr_int(x, "transA", 0), tb = ox_attr_int(x, "transB", 0);
    if (ta) {
        ox_problem(x, "transA=%lld (the activation must be N x F)", (long long)ta);
        return;
    }
    const ox_val *A = vec_input(F);
    const int64_t *d;
    float *B = const_in(F, 1, "B", 2, -1, NULL, &d);
    if (!A || !B) return;
    const int64_t K = tb ? d[1] : d[0], M = tb ? d[0] : d[1];
    if (K != A->c || M < 1 || M > (1 << 24)) {
        ox_problem(x, "B is %lldx%lld (transB=%lld) but the input has %d features", (long long)d[0],
                   (long long)d[1], (long long)tb, A->c);
        return;
    }
    float *Cb = NULL;
    int64_t nc = 0;
    if (ox_in(x, 2) && !(Cb = const_in(F, 2, "C", -1, -1, &nc, NULL))) return;
    if (Cb && nc != M && nc != 1) {
        ox_problem(x, "C has %lld values (expected %lld or 1)", (long long)nc, (long long)M);
        return;
    }
    int idx;
    ox_layer *l = dense(F, A, B, (int)K, (int)M, tb ? 1 : M, tb ? K : 1, alpha, &idx);
    if (!l) return;
    if (Cb) {
        if (!(l->bias = falloc(F, M))) return;
        for (int64_t m = 0; m < M; m++) l->bias[m] = beta * Cb[nc == 1 ? 0 : m];
    }
    set_out(F, idx, OX_VEC);
}

static void map_matmul(fctx *F) {
    ox_check_attrs(F->x, (const char *const[]){NULL});
    const ox_val *A = vec_input(F);
    const int64_t *d;
    float *B = const_in(F, 1, "B", 2, -1, NULL, &d);
    if (!A || !B) return;
    if (d[0] != A->c || d[1] < 1 || d[1] > (1 << 24)) {
        ox_problem(F->x, "B is %lldx%lld but the input has %d features", (long long)d[0],
                   (long long)d[1], A->c);
        return;
    }
    int idx;
    if (dense(F, A, B, (int)d[0], (int)d[1], d[1], 1, 1.0f, &idx)) set_out(F, idx, OX_VEC);
}

/* Add: a residual add of two activations, or a constant bias added to a
** conv / dense that has none yet (MatMul + Add). */
static void map_add(fctx *F) {
    ox_ctx *x = F->x;
    ox_check_attrs(x, (const char *const[]){NULL});
    ox_val *a = ox_in(x, 0), *b = ox_in(x, 1);
    if (!a || !b) {
        ox_problem(x, "needs two inputs");
        return;
    }
    if (a->kind == OX_CONST) {
        ox_val *t = a;
        a = b, b = t;
    }
    if (b->kind == OX_CONST) {
        ox_layer *l = fusable(F, a, AN_OP_DENSE);
        if (!l || l->bias) {
            ox_problem(x, "adding a constant is supported only as the bias of a MatMul or Conv "
                          "(its only user)");
            return;
        }
        const int k = b == ox_in(x, 0) ? 0 : 1;
        int64_t n;
        float *c = const_in(F, k, "the added constant", -1, -1, &n, NULL);
        if (!c) return;
        if (n != l->units && n != 1) {
            ox_problem(x, "the added constant has %lld values (expected %d or 1)", (long long)n,
                       l->units);
            return;
        }
        if (!(l->bias = falloc(F, l->units))) return;
        for (int m = 0; m < l->units; m++) l->bias[m] = c[n == 1 ? 0 : m];
        alias(F, a);
        return;
    }
    if (!is_act(a) || !is_act(b) || a->kind != b->kind || a->h != b->h || a->w != b->w ||
        a->c != b->c || a->chw_c != b->chw_c) {
        ox_problem(x, "inputs must be two activations of the same shape (no broadcasting)");
        return;
    }
    int idx;
    ox_layer *l = layer(F, AN_OP_ADD, a, &idx);
    if (!l) return;
    l->in[1] = b->id, l->n_in = 2;
    set_out(F, idx, a->kind);
    ox_val *o = ox_out(x, 0);
    if (o) o->chw_h = a->chw_h, o->chw_w = a->chw_w, o->chw_c = a->chw_c;
}

static void relu_like(fctx *F, an_act act) {
    ox_val *X = ox_in(F->x, 0);
    if (!is_act(X)) {
        ox_problem(F->x, "input must be an activation");
        return;
    }
    ox_layer *l = fusable(F, X, AN_OP_DENSE);
    if (!l && act == AN_ACT_RELU6 && X->id >= 0 && X->users == 1 && !X->graph_output &&
        F->L.v[X->id].act == AN_ACT_RELU)
        l = &F->L.v[X->id]; /* Relu then Clip(0, 6), as PyTorch exports ReLU6: relu6 */
    if (l) {
        l->act = act;
        alias(F, X);
        return;
    }
    int idx;
    if (layer(F, act == AN_ACT_RELU ? AN_OP_RELU : AN_OP_RELU6, X, &idx)) {
        set_out(F, idx, X->kind);
        ox_val *o = ox_out(F->x, 0);
        if (o) o->chw_h = X->chw_h, o->chw_w = X->chw_w, o->chw_c = X->chw_c;
    }
}

static void map_relu(fctx *F) {
    ox_check_attrs(F->x, (const char *const[]){NULL});
    relu_like(F, AN_ACT_RELU);
}

/* Clip(0, 6) is ReLU6 and Clip(0, +inf) ReLU; bounds are attributes before
** opset 11 and optional constant inputs from it. */
static void map_clip(fctx *F) {
    ox_ctx *x = F->x;
    float lo = -INFINITY, hi = INFINITY;
    if (x->opset < 11) {
        ox_check_attrs(x, (const char *const[]){"min", "max", NULL});
        lo = ox_attr_float(x, "min", lo), hi = ox_attr_float(x, "max", hi);
    } else {
        ox_check_attrs(x, (const char *const[]){NULL});
        float *v;
        if (ox_in(x, 1)) {
            if (!(v = const_in(F, 1, "min", -1, 1, NULL, NULL))) return;
            lo = v[0];
        }
        if (ox_in(x, 2)) {
            if (!(v = const_in(F, 2, "max", -1, 1, NULL, NULL))) return;
            hi = v[0];
        }
    }
    /* Clip(-inf, 6) after a relu is relu6 too (PyTorch's opset 9 export) */
    const ox_val *X = ox_in(x, 0);
    const int after_relu = X && is_act(X) && X->id >= 0 &&
                           (F->L.v[X->id].act == AN_ACT_RELU || F->L.v[X->id].op == AN_OP_RELU);
    if (hi == 6 && (lo == 0 || (lo < 0 && after_relu)))
        relu_like(F, AN_ACT_RELU6);
    else if (lo == 0 && isinf(hi))
        relu_like(F, AN_ACT_RELU);
    else
        ox_problem(x, "Clip(%g, %g) is supported only as ReLU (0, inf) or ReLU6 (0, 6)", (double)lo,
                   (double)hi);
}

static void pool(fctx *F, an_op op) {
    ox_ctx *x = F->x;
    static const char *const known_max[] = {"kernel_shape",  "strides",   "pads",
                                            "auto_pad",      "ceil_mode", "dilations",
                                            "storage_order", NULL};
    static const char *const known_avg[] = {"kernel_shape", "strides",           "pads", "auto_pad",
                                            "ceil_mode",    "count_include_pad", NULL};
    ox_check_attrs(x, op == AN_OP_MAXPOOL ? known_max : known_avg);
    const int64_t ceil_mode = ox_attr_int(x, "ceil_mode", 0);
    if (ceil_mode) {
        ox_problem(x, "ceil_mode=%lld is not supported (only 0: floor)", (long long)ceil_mode);
        return;
    }
    ox_val *X = ox_in(x, 0);
    if (!X || X->kind != OX_IMG) {
        ox_problem(x, "input must be an N x C x H x W activation");
        return;
    }
    ox_val *ind = ox_out(x, 1);
    if (ind && ind->users) {
        ox_problem(x, "the Indices output is not supported");
        return;
    }
    ox_window win = {0};
    if (ox_window_attrs(x, X->h, X->w, 0, &win)) return;
    const int64_t cip = op == AN_OP_AVGPOOL ? ox_attr_int(x, "count_include_pad", 0) : 0;
    if (cip && win.padmode) {
        ox_problem(x, "count_include_pad=1 with padding is not supported (asicnn averages the "
                      "valid cells)");
        return;
    }
    int idx;
    ox_layer *l = layer(F, op, X, &idx);
    if (!l) return;
    l->win = win, l->h = win.oh, l->w = win.ow;
    set_out(F, idx, OX_IMG);
}

static void map_maxpool(fctx *F) {
    pool(F, AN_OP_MAXPOOL);
}
static void map_avgpool(fctx *F) {
    pool(F, AN_OP_AVGPOOL);
}

/* GlobalAveragePool / GlobalMaxPool: a pool over the whole map. */
static void global_pool(fctx *F, an_op op) {
    ox_check_attrs(F->x, (const char *const[]){NULL});
    ox_val *X = ox_in(F->x, 0);
    if (!X || X->kind != OX_IMG) {
        ox_problem(F->x, "input must be an N x C x H x W activation");
        return;
    }
    int idx;
    ox_layer *l = layer(F, op, X, &idx);
    if (!l) return;
    l->win = (ox_window){.kh = X->h, .kw = X->w, .sh = X->h, .sw = X->w, .oh = 1, .ow = 1};
    l->h = l->w = 1;
    set_out(F, idx, OX_IMG);
}

static void map_gap(fctx *F) {
    global_pool(F, AN_OP_AVGPOOL);
}
static void map_gmp(fctx *F) {
    global_pool(F, AN_OP_MAXPOOL);
}

/* Image -> vector in ONNX's CHW order (a flatten layer; dense layers
** reading it permute their rows). A vector is already flat. */
static void flatten(fctx *F, ox_val *X) {
    if (X->kind == OX_VEC) {
        alias(F, X);
        return;
    }
    int idx;
    ox_layer *l = layer(F, AN_OP_FLATTEN, X, &idx);
    if (!l) return;
    l->h = l->w = 1, l->c = X->h * X->w * X->c;
    set_out(F, idx, OX_VEC);
    ox_val *o = ox_out(F->x, 0);
    if (o && X->h * X->w > 1 && X->c > 1) o->chw_h = X->h, o->chw_w = X->w, o->chw_c = X->c;
}

static void map_flatten(fctx *F) {
    ox_check_attrs(F->x, (const char *const[]){"axis", NULL});
    ox_val *X = ox_in(F->x, 0);
    const int64_t axis = ox_attr_int(F->x, "axis", 1);
    if (!is_act(X)) {
        ox_problem(F->x, "input must be an activation");
        return;
    }
    if (axis != 1 && !(X->kind == OX_VEC && axis == -1)) {
        ox_problem(F->x, "axis=%lld (only 1: keep the batch)", (long long)axis);
        return;
    }
    flatten(F, X);
}

/* Reshape with a constant shape: to [N, F] (a flatten) or to the input's
** own shape (nothing). 0 copies the input's dimension, -1 is inferred. */
static void map_reshape(fctx *F) {
    ox_ctx *x = F->x;
    ox_check_attrs(x, (const char *const[]){"allowzero", NULL});
    ox_val *X = ox_in(x, 0), *S = ox_in(x, 1);
    if (!is_act(X)) {
        ox_problem(x, "input must be an activation");
        return;
    }
    if (!S || S->kind != OX_CONST) {
        ox_problem(x, "the shape must be a constant (computed shapes are not supported)");
        return;
    }
    int64_t *sh, n;
    if (ox_tensor_i64(x, S->t, &sh, &n)) {
        ox_problem(x, "shape: %s", an_errmsg());
        return;
    }
    const int64_t allowzero = ox_attr_int(x, "allowzero", 0);
    const int64_t in[4] = {1, X->kind == OX_IMG ? X->c : X->c, X->h, X->w};
    const int in_nd = X->kind == OX_IMG ? 4 : 2;
    const int64_t total = (int64_t)X->h * X->w * X->c;
    int64_t out[4], prod = 1;
    int neg = -1;
    if (n < 1 || n > 4) {
        ox_problem(x, "reshape to %lld dimensions is not supported", (long long)n);
        return;
    }
    for (int i = 0; i < n; i++) {
        out[i] = sh[i];
        if (out[i] == 0 && !allowzero && i < in_nd) out[i] = in[i];
        if (out[i] == -1 && neg < 0) {
            neg = i;
            continue;
        }
        if (out[i] < 1 || out[i] > total) {
            ox_problem(x, "shape value %lld is not supported", (long long)sh[i]);
            return;
        }
        prod *= out[i];
    }
    if (neg >= 0) {
        if (total % prod) {
            ox_problem(x, "shape does not divide %lld elements", (long long)total);
            return;
        }
        out[neg] = total / prod, prod = total;
    }
    if (prod != total || out[0] != 1) {
        ox_problem(x, "reshape to this shape changes the batch (only [N, F] or the same shape)");
        return;
    }
    if (n == 2)
        flatten(F, X);
    else if (n == in_nd && (n != 4 || (out[1] == X->c && out[2] == X->h && out[3] == X->w)))
        alias(F, X);
    else
        ox_problem(x, "reshape to this shape is not supported (only [N, F] or the same shape)");
}

static void map_softmax(fctx *F) {
    ox_ctx *x = F->x;
    ox_check_attrs(x, (const char *const[]){"axis", NULL});
    ox_val *X = ox_in(x, 0), *o = ox_out(x, 0);
    const int64_t axis = ox_attr_int(x, "axis", x->opset < 13 ? 1 : -1);
    if (!X || X->kind != OX_VEC || !o || !o->graph_output) {
        ox_problem(x, "Softmax is supported only on the model's N x F output (it is dropped: "
                      "asicnn models output logits)");
        return;
    }
    if (axis != 1 && axis != -1) {
        ox_problem(x, "axis=%lld (only the class axis, 1 or -1)", (long long)axis);
        return;
    }
    F->softmax_dropped = 1;
    alias(F, X);
}

/* Dropout and Identity pass their input on (an activation, or a constant). */
static void map_identity(fctx *F) {
    ox_ctx *x = F->x;
    ox_val *X = ox_in(x, 0);
    ox_val *mask = ox_out(x, 1);
    if (mask && mask->users) {
        ox_problem(x, "the Dropout mask output is not supported");
        return;
    }
    ox_val *o = ox_out(x, 0);
    if (X && X->kind == OX_CONST && o) { /* PyTorch shares equal initializers this way */
        o->kind = OX_CONST, o->t = X->t;
        return;
    }
    if (!is_act(X)) {
        ox_problem(x, "input must be an activation");
        return;
    }
    alias(F, X);
}

/* Pad: only all-zero padding (PyTorch's exports put one before pools). */
static void map_pad(fctx *F) {
    ox_ctx *x = F->x;
    ox_check_attrs(x, (const char *const[]){"mode", "pads", "value", NULL});
    ox_val *X = ox_in(x, 0);
    if (!is_act(X)) {
        ox_problem(x, "input must be an activation");
        return;
    }
    const int64_t *p = NULL;
    int64_t n = 0;
    if (x->opset < 11) {
        n = ox_attr_ints(x, "pads", &p);
    } else {
        ox_val *P = ox_in(x, 1);
        int64_t *pi;
        if (!P || P->kind != OX_CONST || ox_tensor_i64(x, P->t, &pi, &n)) {
            ox_problem(x, "pads must be a constant");
            return;
        }
        p = pi;
    }
    for (int64_t i = 0; i < n; i++)
        if (p[i]) {
            ox_problem(x, "nonzero padding as a separate op is not supported (use the Conv or "
                          "pool's pads)");
            return;
        }
    alias(F, X);
}

static void map_batchnorm(fctx *F) {
    ox_ctx *x = F->x;
    ox_check_attrs(x, (const char *const[]){"epsilon", "momentum", "training_mode", NULL});
    if (ox_attr_int(x, "training_mode", 0)) {
        ox_problem(x, "training_mode=1 is not supported (export in eval mode)");
        return;
    }
    ox_val *X = ox_in(x, 0);
    ox_val *extra = ox_out(x, 1);
    if (!is_act(X) || (extra && extra->users)) {
        ox_problem(x, "input must be an activation, with one output");
        return;
    }
    const int C = X->c;
    float *g = const_in(F, 1, "scale", -1, C, NULL, NULL),
          *b = const_in(F, 2, "B", -1, C, NULL, NULL);
    float *mean = const_in(F, 3, "mean", -1, C, NULL, NULL);
    float *var = const_in(F, 4, "var", -1, C, NULL, NULL);
    const float eps = ox_attr_float(x, "epsilon", 1e-5f);
    if (!g || !b || !mean || !var) return;
    if (!(eps > 0)) {
        ox_problem(x, "epsilon must be > 0");
        return;
    }
    int idx;
    ox_layer *l = layer(F, AN_OP_BATCHNORM, X, &idx);
    if (!l) return;
    l->eps = eps, l->wt = g, l->n_wt = C, l->bias = b, l->mean = mean, l->var = var;
    set_out(F, idx, X->kind);
    ox_val *o = ox_out(x, 0);
    if (o) o->chw_h = X->chw_h, o->chw_w = X->chw_w, o->chw_c = X->chw_c;
}

/* Constant: its value attribute becomes a constant value. */
static void map_constant(fctx *F) {
    ox_ctx *x = F->x;
    ox_val *o = ox_out(x, 0);
    const Onnx__AttributeProto *a = ox_attr(x->node, "value");
    if (x->node->n_attribute != 1 || !a || !a->t) {
        ox_problem(x, "only the 'value' (tensor) form of Constant is supported");
        return;
    }
    if (o) o->kind = OX_CONST, o->t = a->t;
}

typedef struct op_entry {
    const char *op;
    void (*map)(fctx *F);
} op_entry;

static const op_entry OPS[] = {
    {"Conv", map_conv},           {"Relu", map_relu},
    {"Clip", map_clip},           {"MaxPool", map_maxpool},
    {"AveragePool", map_avgpool}, {"GlobalAveragePool", map_gap},
    {"GlobalMaxPool", map_gmp},   {"Gemm", map_gemm},
    {"MatMul", map_matmul},       {"Add", map_add},
    {"Flatten", map_flatten},     {"Reshape", map_reshape},
    {"Softmax", map_softmax},     {"Dropout", map_identity},
    {"Identity", map_identity},   {"BatchNormalization", map_batchnorm},
    {"Constant", map_constant},   {"Pad", map_pad},
};

/* The graph input as layer 0. */
static void map_input(fctx *F) {
    int64_t d[4];
    int nd = 0;
    ox_val *in = ox_graph_input(F->x, d, &nd);
    if (!in) return;
    int idx = ox_layer_add(F->x, &F->L, AN_OP_INPUT, NULL);
    if (idx < 0) return;
    ox_layer *l = &F->L.v[idx];
    snprintf(l->name, sizeof l->name, "input");
    if (nd == 4)
        l->h = (int)d[2], l->w = (int)d[3], l->c = (int)d[1];
    else
        l->h = l->w = 1, l->c = (int)d[1];
    if ((int64_t)l->h * l->w * l->c > (1 << 26)) {
        ox_problem(F->x, "the input is too large");
        return;
    }
    in->kind = nd == 4 ? OX_IMG : OX_VEC, in->id = idx;
    in->h = l->h, in->w = l->w, in->c = l->c;
}

an_status ox_import_float(ox_ctx *x, const an_onnx_opts *o, an_onnx_model *out) {
    (void)o;
    fctx F = {.x = x};
    map_input(&F);
    const size_t nops = sizeof OPS / sizeof OPS[0];
    for (size_t k = 0; k < x->g->n_node; k++) {
        const Onnx__NodeProto *nd = x->g->node[k];
        x->node = nd, x->node_index = (int)k;
        if (nd->domain && nd->domain[0] && strcmp(nd->domain, "ai.onnx") != 0)
            continue; /* reported by ox_load */
        if (ox_is_norm_node(nd) && out->norm_in_file) {
            map_identity(&F); /* the normalisation, restored into out->norm */
            continue;
        }
        const op_entry *e = NULL;
        for (size_t i = 0; i < nops && !e; i++)
            if (strcmp(OPS[i].op, nd->op_type) == 0) e = &OPS[i];
        if (!e) {
            ox_problem(x, "operator not supported");
            continue;
        }
        /* inputs from a node that could not be mapped: already reported */
        int skip = 0;
        for (size_t i = 0; i < nd->n_input && !skip; i++) {
            const ox_val *v = ox_find(x, nd->input[i]);
            skip = v && v->kind == OX_UNKNOWN;
        }
        if (!skip && !ox_out(x, 0))
            ox_problem(x, "the node has no output");
        else if (!skip)
            e->map(&F);
    }
    x->node = NULL;
    an_status s = ox_problems_status(x);
    const ox_val *res = ox_find(x, x->g->output[0]->name);
    if (!s && (!is_act(res) || res->id != F.L.n - 1))
        s = an_fail(AN_ERR_UNSUPPORTED,
                    "%s: the graph output '%s' is not the last layer asicnn built from the graph",
                    x->name, x->g->output[0]->name);
    if (!s && res->kind == OX_IMG && res->h * res->w > 1)
        s = an_fail(AN_ERR_UNSUPPORTED,
                    "%s: the output is an image (%dx%dx%d); asicnn models output a vector", x->name,
                    res->c, res->h, res->w);
    if (!s) {
        char comment[512];
        snprintf(comment, sizeof comment, "# imported from ONNX (opset %d, producer %s)%s\n",
                 x->opset, out->producer[0] ? out->producer : "unknown",
                 F.softmax_dropped ? "; its final Softmax was dropped: outputs are logits" : "");
        s = ox_layers_to_model(x, &F.L, comment, &out->model);
    }
    if (!s) out->kind = AN_ONNX_FLOAT, out->softmax_dropped = F.softmax_dropped;
    ox_layers_free(&F.L);
    return s;
}
