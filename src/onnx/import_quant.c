/*
** Int8 ONNX import: QDQ models (QuantizeLinear / DequantizeLinear around
** float ops) and the QOperator ops QLinearConv / QLinearMatMul (reading and
** writing int8 tensors directly), mapped onto
** the int8 graph (include/asicnn/quant.h) with their integers as they are:
** int8 weights and per-channel scales, int32 biases and the activation
** scales and zero points are taken from the file; only what the int8 graph
** derives from them (requantization multipliers, the folded input
** zero-point term of the bias, add rescaling) is computed, with the
** quantizer's formulas (src/quant/quantize.c).
**
** Values are tracked as: an int8 tensor (QuantizeLinear output), its
** dequantized view (what float ops read), a dequantized constant (weights,
** biases), or the pending float output of a conv / dense / add, whose
** clamp (Relu, Clip) and output scale (the QuantizeLinear after it) finish
** the layer. uint8 activations are taken as int8 with the zero point moved
** by -128 (the same real values). Weights must be int8 with zero point 0.
*/
#include "onnx_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { QV_NONE = 0, QV_INT8, QV_DQ, QV_CONST, QV_PENDING };

typedef struct qconst {
    int64_t *q; /* integers */
    int64_t n;  /* element count */
    const int64_t *dims;
    int ndim;
    float *scale; /* [n_scale] */
    int64_t n_scale;
    int axis;
} qconst;

typedef struct qctx {
    ox_ctx *x;
    an_q_graph *g;
    int cap;
    qconst *consts;
    int n_consts, cap_consts;
    float *lo, *hi; /* [cap] pending clamp of each layer (real values) */
    int softmax_dropped;
} qctx;

static ox_val *out0(qctx *Q) {
    return ox_out(Q->x, 0);
}

/* A scalar scale (float) and zero point (int8 / uint8 -> int8) from inputs
** k, k+1 of the current node. Returns 0 on success. */
static int scalar_qparams(qctx *Q, int k, float *s, int32_t *zp) {
    ox_val *S = ox_in(Q->x, k), *Z = ox_in(Q->x, k + 1);
    float *f;
    int64_t n;
    if (!S || S->kind != OX_CONST || ox_tensor_f32(Q->x, S->t, &f, &n) || n != 1 || !(f[0] > 0)) {
        ox_problem(Q->x, "the scale must be one constant > 0 (per-tensor activations)");
        return -1;
    }
    *s = f[0], *zp = 0;
    if (!Z) return 0;
    int64_t *z;
    if (Z->kind != OX_CONST || ox_tensor_i64(Q->x, Z->t, &z, &n) || n != 1) {
        ox_problem(Q->x, "the zero point must be one constant");
        return -1;
    }
    const int u8 = Z->t->data_type == OX_UINT8;
    if (Z->t->data_type != OX_INT8 && !u8) {
        ox_problem(Q->x, "activations must be int8 or uint8 (zero point type %d)", Z->t->data_type);
        return -1;
    }
    *zp = (int32_t)z[0] - (u8 ? 128 : 0);
    return 0;
}

static int same_qparams(float s1, int32_t z1, float s2, int32_t z2) {
    return z1 == z2 && fabsf(s1 - s2) <= 1e-6f * s1;
}

static an_q_layer *new_layer(qctx *Q, an_q_op op, int in0) {
    if (Q->g->n_layers == Q->cap) {
        int nc = Q->cap ? Q->cap * 2 : 16;
        an_q_layer *nl = realloc(Q->g->layers, sizeof *nl * (size_t)nc);
        float *lo = realloc(Q->lo, sizeof(float) * (size_t)nc);
        if (nl) Q->g->layers = nl;
        if (lo) Q->lo = lo;
        float *hi = realloc(Q->hi, sizeof(float) * (size_t)nc);
        if (hi) Q->hi = hi;
        if (!nl || !lo || !hi) {
            ox_problem(Q->x, "out of memory");
            return NULL;
        }
        Q->cap = nc;
    }
    const int i = Q->g->n_layers++;
    an_q_layer *l = &Q->g->layers[i];
    *l = (an_q_layer){.op = op, .in = {in0, -1}, .groups = 1, .act_min = -128, .act_max = 127};
    l->kh = l->kw = l->sh = l->sw = 1;
    char nb[24];
    snprintf(l->name, sizeof l->name, "%s",
             ox_node_name(Q->x, Q->x->node, Q->x->node_index, nb, sizeof nb));
    memcpy(l->float_node, l->name, sizeof l->name);
    Q->lo[i] = -INFINITY, Q->hi[i] = INFINITY;
    return l;
}

/* Output of the current node: int8 tensor t's dequantized view / pending. */
static void set_val(qctx *Q, int kind, int t, int h, int w, int c, const ox_val *like) {
    ox_val *o = out0(Q);
    if (!o) return;
    const an_tensor ti = an_q_tensor_info(Q->g, t);
    o->quant = kind, o->id = t, o->h = h, o->w = w, o->c = c;
    o->scale = ti.scale, o->zp = ti.zero_point;
    o->kind = h == 1 && w == 1 && (!like || like->kind == OX_VEC) ? OX_VEC : OX_IMG;
    o->chw_h = like ? like->chw_h : 0, o->chw_w = like ? like->chw_w : 0;
    o->chw_c = like ? like->chw_c : 0;
}

static const ox_val *dq_input(qctx *Q, int k) {
    ox_val *v = ox_in(Q->x, k);
    if (!v || v->quant != QV_DQ) {
        ox_problem(Q->x, "input %d must be a dequantized int8 activation (DequantizeLinear)", k);
        return NULL;
    }
    return v;
}

static const qconst *const_input(qctx *Q, int k, const char *what) {
    ox_val *v = ox_in(Q->x, k);
    if (!v || v->quant != QV_CONST) {
        ox_problem(Q->x, "%s must be a DequantizeLinear of a constant", what);
        return NULL;
    }
    return &Q->consts[v->id];
}

/* ---- QuantizeLinear / DequantizeLinear ---- */

static an_status finish_linear(qctx *Q, an_q_layer *l) {
    const an_tensor in = an_q_tensor_info(Q->g, l->in[0]);
    for (int oc = 0; oc < l->c; oc++) {
        const double M = (double)in.scale * (double)l->w_scale[oc] / (double)l->scale;
        int sh;
        an_status s = an_q_quantize_multiplier(M, &l->mult[oc], &sh);
        if (s) return s;
        l->shift[oc] = sh;
    }
    return AN_OK;
}

/* TFLite int8 add parameters (as the quantizer computes them). */
static an_status finish_add(qctx *Q, an_q_layer *l) {
    return an_q_add_params(an_q_tensor_info(Q->g, l->in[0]).scale,
                           an_q_tensor_info(Q->g, l->in[1]).scale, l->scale, l->add_mult,
                           l->add_shift);
}

static void map_quantize(qctx *Q) {
    ox_ctx *x = Q->x;
    ox_val *X = ox_in(x, 0), *o = out0(Q);
    float s;
    int32_t zp;
    if (!X || !o || scalar_qparams(Q, 1, &s, &zp)) return;
    if (zp < -128 || zp > 127) {
        ox_problem(x, "zero point out of range");
        return;
    }
    if (X->quant == QV_NONE && X->kind != OX_UNKNOWN && X->id == 0 && Q->g->input.scale == 0) {
        /* the graph input */
        Q->g->input.scale = s, Q->g->input.zero_point = zp;
        *o = (ox_val){.name = o->name, .users = o->users, .graph_output = o->graph_output};
        set_val(Q, QV_INT8, 0, X->h, X->w, X->c, X);
        return;
    }
    if (X->quant == QV_DQ) {
        if (!same_qparams(s, zp, X->scale, X->zp)) {
            ox_problem(x, "requantizing a tensor to another scale is not supported");
            return;
        }
        set_val(Q, QV_INT8, X->id, X->h, X->w, X->c, X);
        return;
    }
    if (X->quant != QV_PENDING) {
        ox_problem(x, "input must be the graph input or the output of a conv, dense or add");
        return;
    }
    an_q_layer *l = &Q->g->layers[X->id - 1];
    l->scale = s, l->zero_point = zp;
    const float lo = Q->lo[X->id - 1], hi = Q->hi[X->id - 1];
    /* in int64: a saturated round plus the zero point must not overflow */
    if (lo > -INFINITY) {
        const int64_t v = (int64_t)zp + an_q_round_sat32((double)lo / s);
        l->act_min = (int32_t)(v > -128 ? (v < 127 ? v : 127) : -128);
    }
    if (hi < INFINITY) {
        const int64_t v = (int64_t)zp + an_q_round_sat32((double)hi / s);
        l->act_max = (int32_t)(v < 127 ? (v > -128 ? v : -128) : 127);
    }
    if (l->act_min > l->act_max) {
        ox_problem(x, "the clamp before this QuantizeLinear is empty");
        return;
    }
    an_status st = l->op == AN_Q_ADD ? finish_add(Q, l) : finish_linear(Q, l);
    if (st) {
        ox_problem(x, "%s", an_errmsg());
        return;
    }
    set_val(Q, QV_INT8, X->id, X->h, X->w, X->c, X);
}

static void map_dequantize(qctx *Q) {
    ox_ctx *x = Q->x;
    ox_val *X = ox_in(x, 0), *o = out0(Q);
    if (!X || !o) return;
    if (X->quant == QV_INT8) {
        float s;
        int32_t zp;
        if (scalar_qparams(Q, 1, &s, &zp)) return;
        if (!same_qparams(s, zp, X->scale, X->zp)) {
            ox_problem(x, "dequantizes with other parameters than its QuantizeLinear");
            return;
        }
        set_val(Q, QV_DQ, X->id, X->h, X->w, X->c, X);
        return;
    }
    if (X->kind != OX_CONST) {
        ox_problem(x, "input must be a constant or a QuantizeLinear output");
        return;
    }
    if (Q->n_consts == Q->cap_consts) {
        int nc = Q->cap_consts ? Q->cap_consts * 2 : 16;
        qconst *n = realloc(Q->consts, sizeof *n * (size_t)nc);
        if (!n) {
            ox_problem(x, "out of memory");
            return;
        }
        Q->consts = n, Q->cap_consts = nc;
    }
    qconst *c = &Q->consts[Q->n_consts];
    *c = (qconst){.dims = X->t->dims, .ndim = (int)X->t->n_dims};
    ox_val *S = ox_in(x, 1), *Z = ox_in(x, 2);
    int64_t *z = NULL, nz = 0;
    if (ox_tensor_i64(x, X->t, &c->q, &c->n) || !S || S->kind != OX_CONST ||
        ox_tensor_f32(x, S->t, &c->scale, &c->n_scale) ||
        (Z && (Z->kind != OX_CONST || ox_tensor_i64(x, Z->t, &z, &nz)))) {
        ox_problem(x, "constant, scale and zero point must be constant tensors (%s)", an_errmsg());
        return;
    }
    for (int64_t i = 0; i < nz; i++)
        if (z[i]) {
            ox_problem(x, "weights and biases must have zero point 0 (symmetric)");
            return;
        }
    const int dt = X->t->data_type;
    if (dt != OX_INT8 && dt != OX_INT32) {
        ox_problem(x, "constant must be int8 (weights) or int32 (biases), is type %d", dt);
        return;
    }
    int64_t axis = ox_attr_int(x, "axis", 1);
    if (axis < 0) axis += c->ndim;
    c->axis = (int)axis;
    for (int64_t i = 0; i < c->n_scale; i++)
        if (!(c->scale[i] > 0)) {
            ox_problem(x, "scales must be > 0");
            return;
        }
    if (c->n_scale != 1 && (axis < 0 || axis >= c->ndim || c->dims[axis] != c->n_scale)) {
        ox_problem(x, "per-axis scales do not match axis %lld", (long long)axis);
        return;
    }
    o->quant = QV_CONST, o->id = Q->n_consts++;
}

/* ---- layers ---- */

/* Weight scale of channel oc of a constant with per-axis scales on axis. */
static float wscale(const qconst *c, int oc) {
    return c->n_scale == 1 ? c->scale[0] : c->scale[oc];
}

static int alloc_linear(qctx *Q, an_q_layer *l, int C, int K) {
    l->c = C, l->k = K;
    l->weights = malloc((size_t)C * K);
    l->bias = calloc((size_t)C, 4);
    l->mult = calloc((size_t)C, 4);
    l->shift = calloc((size_t)C, 4);
    l->w_scale = malloc(sizeof(float) * (size_t)C);
    if (l->weights && l->bias && l->mult && l->shift && l->w_scale) return 0;
    ox_problem(Q->x, "out of memory");
    return -1;
}

/* Bias from a dequantized int32 constant, with -in_zp * sum(w) folded in. */
static int set_bias(qctx *Q, an_q_layer *l, const qconst *b) {
    const an_tensor in = an_q_tensor_info(Q->g, l->in[0]);
    if (b && b->n != l->c) {
        ox_problem(Q->x, "bias has %lld values for %d channels", (long long)b->n, l->c);
        return -1;
    }
    for (int oc = 0; oc < l->c; oc++) {
        int64_t sum = 0;
        for (int k = 0; k < l->k; k++) sum += l->weights[(int64_t)oc * l->k + k];
        const int64_t v = (b ? b->q[oc] : 0) - (int64_t)in.zero_point * sum;
        if (v < INT32_MIN || v > INT32_MAX) {
            ox_problem(Q->x, "bias of channel %d does not fit int32", oc);
            return -1;
        }
        l->bias[oc] = (int32_t)v;
    }
    return 0;
}

static int check_w(qctx *Q, int64_t v) {
    if (v < -127 || v > 127) {
        ox_problem(Q->x, "weight %lld is outside [-127, 127]", (long long)v);
        return -1;
    }
    return 0;
}

/* A conv layer reading int8 tensor X->id with weights W, bias B (or NULL). */
static an_q_layer *conv(qctx *Q, const ox_val *X, const qconst *W, const qconst *B) {
    ox_ctx *x = Q->x;
    ox_check_attrs(x, (const char *const[]){"kernel_shape", "strides", "pads", "dilations", "group",
                                            "auto_pad", NULL});
    const int64_t group = ox_attr_int(x, "group", 1);
    if (group < 1 || group > X->c || X->c % group != 0) {
        ox_problem(x, "group=%lld does not divide the %d input channels", (long long)group, X->c);
        return NULL;
    }
    if (W->ndim != 4 || W->dims[1] != X->c / group || W->dims[0] < 1 || W->dims[0] % group != 0 ||
        W->dims[2] > 64 || W->dims[3] > 64 || (W->n_scale != 1 && W->axis != 0)) {
        ox_problem(x, "weight must be M x C/group x KH x KW with per-output-channel scales");
        return NULL;
    }
    /* C: the input channels each filter reads (X->c / group) */
    const int M = (int)W->dims[0], C = (int)W->dims[1], KH = (int)W->dims[2], KW = (int)W->dims[3];
    ox_window win = {.kh = KH, .kw = KW};
    if (ox_window_attrs(x, X->h, X->w, 1, &win)) return NULL;
    an_q_layer *l = new_layer(Q, AN_Q_CONV2D, X->id);
    if (!l || alloc_linear(Q, l, M, KH * KW * C)) return NULL;
    l->groups = (int32_t)group;
    l->kh = KH, l->kw = KW, l->sh = win.sh, l->sw = win.sw, l->pt = win.pt, l->pl = win.pl;
    l->h = win.oh, l->w = win.ow;
    for (int m = 0; m < M; m++) {
        l->w_scale[m] = wscale(W, m);
        for (int c = 0; c < C; c++)
            for (int ky = 0; ky < KH; ky++)
                for (int kx = 0; kx < KW; kx++) {
                    const int64_t v = W->q[(((int64_t)m * C + c) * KH + ky) * KW + kx];
                    if (check_w(Q, v)) return NULL;
                    l->weights[(int64_t)m * l->k + ((int64_t)ky * KW + kx) * C + c] = (int8_t)v;
                }
    }
    return set_bias(Q, l, B) ? NULL : l;
}

static void map_conv(qctx *Q) {
    const ox_val *X = dq_input(Q, 0);
    const qconst *W = const_input(Q, 1, "the weight");
    const qconst *B = ox_in(Q->x, 2) ? const_input(Q, 2, "the bias") : NULL;
    if (!X || !W || (ox_in(Q->x, 2) && !B)) return;
    const an_q_layer *l = conv(Q, X, W, B);
    if (l) set_val(Q, QV_PENDING, Q->g->n_layers, l->h, l->w, l->c, NULL);
}

/* Dense from a dequantized constant: w(k, m) = q[k * sk + m * sm], scales
** along m; rows permuted from ONNX's CHW order to asicnn's HWC. */
static an_q_layer *dense(qctx *Q, const ox_val *A, const qconst *W, int K, int M, int64_t sk,
                         int64_t sm, int scale_axis) {
    if (W->n_scale != 1 && W->axis != scale_axis) {
        ox_problem(Q->x, "weight scales must be per output column");
        return NULL;
    }
    an_q_layer *l = new_layer(Q, AN_Q_DENSE, A->id);
    if (!l || alloc_linear(Q, l, M, K)) return NULL;
    l->h = l->w = 1;
    const int H = A->chw_h, Wd = A->chw_w, C = A->chw_c;
    for (int m = 0; m < M; m++) {
        l->w_scale[m] = wscale(W, m);
        for (int k = 0; k < K; k++) {
            int r = k;
            if (C) {
                const int c = k / (H * Wd), y = k / Wd % H, xx = k % Wd;
                r = (y * Wd + xx) * C + c;
            }
            const int64_t v = W->q[(int64_t)k * sk + (int64_t)m * sm];
            if (check_w(Q, v)) return NULL;
            l->weights[(int64_t)m * K + r] = (int8_t)v;
        }
    }
    return l;
}

static void map_gemm(qctx *Q, int matmul) {
    ox_ctx *x = Q->x;
    if (!matmul)
        ox_check_attrs(x, (const char *const[]){"alpha", "beta", "transA", "transB", NULL});
    const int64_t tb = matmul ? 0 : ox_attr_int(x, "transB", 0);
    if (!matmul && (ox_attr_int(x, "transA", 0) || ox_attr_float(x, "alpha", 1) != 1 ||
                    ox_attr_float(x, "beta", 1) != 1)) {
        ox_problem(x, "only transA=0, alpha=1, beta=1 are supported for int8");
        return;
    }
    const ox_val *A = dq_input(Q, 0);
    const qconst *W = const_input(Q, 1, "B");
    const qconst *B = !matmul && ox_in(x, 2) ? const_input(Q, 2, "C") : NULL;
    if (!A || !W || (!matmul && ox_in(x, 2) && !B)) return;
    if (A->kind != OX_VEC || W->ndim != 2) {
        ox_problem(x, "needs an N x F input and a 2-D weight");
        return;
    }
    const int64_t K = tb ? W->dims[1] : W->dims[0], M = tb ? W->dims[0] : W->dims[1];
    if (K != A->c || M < 1 || M > (1 << 24)) {
        ox_problem(x, "weight does not fit the %d-feature input", A->c);
        return;
    }
    an_q_layer *l = dense(Q, A, W, (int)K, (int)M, tb ? 1 : M, tb ? K : 1, tb ? 0 : 1);
    if (!l || set_bias(Q, l, B)) return;
    set_val(Q, QV_PENDING, Q->g->n_layers, 1, 1, (int)M, NULL);
}

static void map_gemm_op(qctx *Q) {
    map_gemm(Q, 0);
}
static void map_matmul(qctx *Q) {
    map_gemm(Q, 1);
}

static void map_add(qctx *Q) {
    ox_ctx *x = Q->x;
    ox_val *a = ox_in(x, 0), *b = ox_in(x, 1);
    if (a && b && (a->quant == QV_CONST || b->quant == QV_CONST)) {
        /* MatMul + Add: the bias of a pending dense without one */
        ox_val *p = a->quant == QV_CONST ? b : a, *c = a->quant == QV_CONST ? a : b;
        an_q_layer *l = p->quant == QV_PENDING ? &Q->g->layers[p->id - 1] : NULL;
        if (!l || l->op != AN_Q_DENSE || p->users != 1) {
            ox_problem(x, "adding a constant is supported only as the bias of a MatMul");
            return;
        }
        if (set_bias(Q, l, &Q->consts[c->id])) return;
        set_val(Q, QV_PENDING, p->id, p->h, p->w, p->c, p);
        return;
    }
    const ox_val *A = dq_input(Q, 0), *B = dq_input(Q, 1);
    if (!A || !B) return;
    if (A->h != B->h || A->w != B->w || A->c != B->c || A->chw_c != B->chw_c) {
        ox_problem(x, "inputs must have the same shape");
        return;
    }
    an_q_layer *l = new_layer(Q, AN_Q_ADD, A->id);
    if (!l) return;
    l->in[1] = B->id, l->h = A->h, l->w = A->w, l->c = A->c;
    set_val(Q, QV_PENDING, Q->g->n_layers, A->h, A->w, A->c, A);
}

/* Relu / Clip on a pending conv, dense or add: its clamp. */
static void map_clamp(qctx *Q) {
    ox_ctx *x = Q->x;
    ox_val *X = ox_in(x, 0);
    if (!X || X->quant != QV_PENDING || X->users != 1) {
        ox_problem(x, "must follow a conv, dense or add (as its only user) in an int8 model");
        return;
    }
    float lo = 0, hi = INFINITY;
    if (strcmp(x->node->op_type, "Clip") == 0) {
        lo = -INFINITY;
        for (int k = 1; k <= 2; k++) {
            ox_val *v = ox_in(x, k);
            float *f;
            int64_t n;
            if (!v) continue;
            if (v->kind != OX_CONST || ox_tensor_f32(x, v->t, &f, &n) || n != 1) {
                ox_problem(x, "Clip bounds must be constants");
                return;
            }
            if (k == 1) lo = f[0];
            if (k == 2) hi = f[0];
        }
    }
    const int i = X->id - 1;
    Q->lo[i] = fmaxf(Q->lo[i], lo), Q->hi[i] = fminf(Q->hi[i], hi);
    set_val(Q, QV_PENDING, X->id, X->h, X->w, X->c, X);
}

/* Pools and flatten keep the scale: their output is a dequantized view. */
static void same_scale(qctx *Q, an_q_op op) {
    ox_ctx *x = Q->x;
    /* int8 tensors directly in the QOperator form: the output stays int8 */
    const ox_val *X = ox_in(x, 0);
    if (!X || (X->quant != QV_DQ && X->quant != QV_INT8)) {
        ox_problem(x, "input must be an int8 activation or its DequantizeLinear");
        return;
    }
    const int kind = X->quant;
    if (op == AN_Q_FLATTEN) {
        if (X->kind == OX_VEC) {
            set_val(Q, kind, X->id, X->h, X->w, X->c, X);
            return;
        }
        an_q_layer *l = new_layer(Q, op, X->id);
        if (!l) return;
        l->h = l->w = 1, l->c = X->h * X->w * X->c;
        l->scale = X->scale, l->zero_point = X->zp;
        set_val(Q, kind, Q->g->n_layers, 1, 1, l->c, NULL);
        ox_val *o = out0(Q);
        o->kind = OX_VEC;
        if (X->h * X->w > 1 && X->c > 1) o->chw_h = X->h, o->chw_w = X->w, o->chw_c = X->c;
        return;
    }
    if (ox_attr_int(x, "ceil_mode", 0)) {
        ox_problem(x, "ceil_mode=1 is not supported");
        return;
    }
    ox_window win = {0};
    const int global = strncmp(x->node->op_type, "Global", 6) == 0;
    if (global)
        win = (ox_window){.kh = X->h, .kw = X->w, .sh = X->h, .sw = X->w, .oh = 1, .ow = 1};
    else if (ox_window_attrs(x, X->h, X->w, 0, &win))
        return;
    if (op == AN_Q_AVGPOOL && ox_attr_int(x, "count_include_pad", 0) && win.padmode) {
        ox_problem(x, "count_include_pad=1 with padding is not supported");
        return;
    }
    an_q_layer *l = new_layer(Q, op, X->id);
    if (!l) return;
    l->kh = win.kh, l->kw = win.kw, l->sh = win.sh, l->sw = win.sw, l->pt = win.pt, l->pl = win.pl;
    l->h = win.oh, l->w = win.ow, l->c = X->c;
    l->scale = X->scale, l->zero_point = X->zp;
    set_val(Q, kind, Q->g->n_layers, l->h, l->w, l->c, X);
    out0(Q)->kind = OX_IMG;
}

static void map_maxpool(qctx *Q) {
    same_scale(Q, AN_Q_MAXPOOL);
}
static void map_avgpool(qctx *Q) {
    same_scale(Q, AN_Q_AVGPOOL);
}
static void map_flatten(qctx *Q) {
    same_scale(Q, AN_Q_FLATTEN);
}

static void map_alias(qctx *Q) {
    ox_val *X = ox_in(Q->x, 0), *o = out0(Q);
    if (!X || !o) return;
    if (strcmp(Q->x->node->op_type, "Softmax") == 0) {
        if (!o->graph_output) {
            ox_problem(Q->x, "Softmax is supported only on the output");
            return;
        }
        Q->softmax_dropped = 1;
    }
    const char *name = o->name;
    const int users = o->users, gout = o->graph_output;
    *o = *X;
    o->name = name, o->users = users, o->graph_output = gout;
}

/* ---- QOperator: QLinearConv, QLinearMatMul ---- */

/* Input k of the current node as an int8 tensor quantized with the scale
** and zero point at inputs k+1, k+2. */
static const ox_val *int8_input(qctx *Q, int k) {
    ox_val *v = ox_in(Q->x, k);
    float s;
    int32_t zp;
    if (!v || v->quant != QV_INT8) {
        ox_problem(Q->x, "input %d must be an int8 tensor (QuantizeLinear or a QLinear op)", k);
        return NULL;
    }
    if (scalar_qparams(Q, k + 1, &s, &zp)) return NULL;
    if (!same_qparams(s, zp, v->scale, v->zp)) {
        ox_problem(Q->x, "input %d: scale and zero point differ from its producer's", k);
        return NULL;
    }
    return v;
}

/* Weights at input k (int8, scales k+1, zero points k+2 all 0) or the
** int32 bias at k (scales: none) as a constant; NULL (problem) on error. */
static qconst *qop_const(qctx *Q, int k, int with_scale, int axis) {
    ox_ctx *x = Q->x;
    ox_val *v = ox_in(x, k), *S = with_scale ? ox_in(x, k + 1) : NULL;
    ox_val *Z = with_scale ? ox_in(x, k + 2) : NULL;
    qconst *c = an_arena_alloc(&x->arena, sizeof *c, 8);
    int64_t *z = NULL, nz = 0;
    if (!c || !v || v->kind != OX_CONST || ox_tensor_i64(x, v->t, &c->q, &c->n) ||
        (with_scale &&
         (!S || S->kind != OX_CONST || ox_tensor_f32(x, S->t, &c->scale, &c->n_scale))) ||
        (Z && (Z->kind != OX_CONST || ox_tensor_i64(x, Z->t, &z, &nz)))) {
        ox_problem(x, "input %d and its scale and zero point must be constants", k);
        return NULL;
    }
    for (int64_t i = 0; i < nz; i++)
        if (z[i]) {
            ox_problem(x, "weights must have zero point 0 (symmetric)");
            return NULL;
        }
    for (int64_t i = 0; i < c->n_scale; i++)
        if (!(c->scale[i] > 0)) {
            ox_problem(x, "weight scales must be > 0");
            return NULL;
        }
    c->dims = v->t->dims, c->ndim = (int)v->t->n_dims, c->axis = axis;
    if (with_scale && c->n_scale != 1 && (axis >= c->ndim || c->dims[axis] != c->n_scale)) {
        ox_problem(x, "weight scales must be one or one per output channel");
        return NULL;
    }
    return c;
}

/* Output scale / zero point at input k, then the layer is complete. */
static void qop_finish(qctx *Q, an_q_layer *l, int k) {
    float s;
    int32_t zp;
    if (!l || scalar_qparams(Q, k, &s, &zp)) return;
    l->scale = s, l->zero_point = zp;
    if (finish_linear(Q, l)) {
        ox_problem(Q->x, "%s", an_errmsg());
        return;
    }
    set_val(Q, QV_INT8, Q->g->n_layers, l->h, l->w, l->c, NULL);
}

static void map_qlinear_conv(qctx *Q) {
    const ox_val *X = int8_input(Q, 0);
    const qconst *W = X ? qop_const(Q, 3, 1, 0) : NULL;
    const qconst *B = ox_in(Q->x, 8) && W ? qop_const(Q, 8, 0, 0) : NULL;
    if (!W || (ox_in(Q->x, 8) && !B)) return;
    qop_finish(Q, conv(Q, X, W, B), 6);
}

static void map_qlinear_matmul(qctx *Q) {
    const ox_val *A = int8_input(Q, 0);
    const qconst *W = A ? qop_const(Q, 3, 1, 1) : NULL;
    if (!W) return;
    if (A->kind != OX_VEC || W->ndim != 2 || W->dims[0] != A->c || W->dims[1] < 1 ||
        W->dims[1] > (1 << 24)) {
        ox_problem(Q->x, "needs an N x F input and an F x M weight");
        return;
    }
    an_q_layer *l = dense(Q, A, W, A->c, (int)W->dims[1], W->dims[1], 1, 1);
    if (l && !set_bias(Q, l, NULL)) qop_finish(Q, l, 6);
}

typedef struct qop {
    const char *op;
    void (*map)(qctx *Q);
} qop;

static const qop QOPS[] = {
    {"QuantizeLinear", map_quantize},
    {"DequantizeLinear", map_dequantize},
    {"Conv", map_conv},
    {"Gemm", map_gemm_op},
    {"MatMul", map_matmul},
    {"Add", map_add},
    {"Relu", map_clamp},
    {"Clip", map_clamp},
    {"MaxPool", map_maxpool},
    {"AveragePool", map_avgpool},
    {"GlobalAveragePool", map_avgpool},
    {"GlobalMaxPool", map_maxpool},
    {"Flatten", map_flatten},
    {"Softmax", map_alias},
    {"Identity", map_alias},
    {"Dropout", map_alias},
    {"QLinearConv", map_qlinear_conv},
    {"QLinearMatMul", map_qlinear_matmul},
};

/* The raw-value map of the input: normalisation folded in. */
static an_status input_map(qctx *Q, an_norm_mode norm) {
    an_q_input *in = &Q->g->input;
    in->n_affine = 1;
    in->in_mul = malloc(sizeof(float));
    in->in_add = malloc(sizeof(float));
    if (!in->in_mul || !in->in_add) return an_fail(AN_ERR_NOMEM, "out of memory");
    if (norm == AN_NORM_SCALE255 && in->scale == 1.0f / 255.0f && in->zero_point == -128) {
        in->in_mul[0] = 1.0f, in->in_add[0] = -128.0f; /* exact, as the quantizer does */
        return AN_OK;
    }
    const double div = norm == AN_NORM_SCALE255 ? 255.0 : 1.0;
    in->in_mul[0] = (float)(1.0 / (div * in->scale));
    in->in_add[0] = (float)in->zero_point;
    return AN_OK;
}

an_status ox_import_quant(ox_ctx *x, const an_onnx_opts *o, an_onnx_model *out) {
    an_q_graph *g = &out->qgraph;
    *g = (an_q_graph){0};
    snprintf(g->source, sizeof g->source, "%s", x->name);
    snprintf(g->calib, sizeof g->calib, "imported from ONNX");
    qctx Q = {.x = x, .g = g};
    int64_t d[4];
    int nd = 0;
    ox_val *in = ox_graph_input(x, d, &nd);
    if (in) {
        g->input.h = nd == 4 ? (int)d[2] : 1, g->input.w = nd == 4 ? (int)d[3] : 1;
        g->input.c = (int)d[1];
        in->kind = nd == 4 ? OX_IMG : OX_VEC, in->id = 0;
        in->h = g->input.h, in->w = g->input.w, in->c = g->input.c;
    }
    for (size_t k = 0; k < x->g->n_node && in; k++) {
        const Onnx__NodeProto *nd2 = x->g->node[k];
        x->node = nd2, x->node_index = (int)k;
        if (nd2->domain && nd2->domain[0] && strcmp(nd2->domain, "ai.onnx") != 0) continue;
        const qop *e = NULL;
        for (size_t i = 0; i < sizeof QOPS / sizeof QOPS[0] && !e; i++)
            if (strcmp(QOPS[i].op, nd2->op_type) == 0) e = &QOPS[i];
        if (!e) {
            ox_problem(x, "operator not supported in an int8 model");
            continue;
        }
        int skip = 0;
        for (size_t i = 0; i < nd2->n_input && !skip; i++) {
            const ox_val *v = ox_find(x, nd2->input[i]);
            skip = v && v->kind == OX_UNKNOWN && v->quant == QV_NONE;
        }
        if (!skip && !ox_out(x, 0))
            ox_problem(x, "the node has no output");
        else if (!skip)
            e->map(&Q);
    }
    x->node = NULL;
    an_status s = ox_problems_status(x);
    const ox_val *res = ox_find(x, x->g->output[0]->name);
    if (!s && (!res || (res->quant != QV_DQ && res->quant != QV_INT8) || res->id != g->n_layers ||
               g->n_layers < 1))
        s = an_fail(AN_ERR_UNSUPPORTED,
                    "%s: the graph output must be the (dequantized) int8 output of the last op",
                    x->name);
    if (!s && g->input.scale == 0)
        s = an_fail(AN_ERR_UNSUPPORTED, "%s: the graph input is not quantized", x->name);
    if (!s) s = input_map(&Q, o->norm);
    if (!s && ox_import_input_map(x, &g->input)) out->norm_in_file = 1; /* an asicnn export */
    if (!s) s = ox_problems_status(x);
    if (!s) s = an_q_graph_validate(g);
    if (!s) out->kind = AN_ONNX_INT8, out->softmax_dropped = Q.softmax_dropped;
    free(Q.consts);
    free(Q.lo);
    free(Q.hi);
    return s;
}
