/*
** Int8 export: an int8 graph as QDQ ONNX (opset 13). Every int8 tensor t is
** a QuantizeLinear / DequantizeLinear pair with its scale and zero point;
** each op reads the dequantized values of its inputs:
**
**   conv:  DQ(int8 OIHW weights, per-channel scales, axis 0), DQ(int32 bias
**          at in_scale * w_scale[c], axis 0), Conv with explicit pads
**   dense: DQ(int8 [in][out] weights, axis 1), DQ(int32 bias), Gemm (rows
**          in CHW order after a Flatten of an image, as the float export)
**   pools: MaxPool / AveragePool (count_include_pad 0); flatten: Flatten;
**   add:   Add
**
** then a Clip when the layer clamps tighter than int8 (relu, relu6), then
** QuantizeLinear with the layer's output scale and zero point. The bias
** written is the layer's bias with the folded input zero-point term
** (-in_zp * sum(w[c])) taken out again, as the QDQ form expects. The input
** is the normalised float input; the output is the dequantized logits.
*/
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct qx {
    ox_builder b;
    const an_q_graph *g;
    const char **dq;   /* [n_layers + 1] dequantized value of tensor t */
    int *fh, *fw, *fc; /* [n_layers + 1] image a vector was flattened from */
    int *four;         /* [n_layers + 1] ONNX value is 4-D */
} qx;

/* QuantizeLinear + DequantizeLinear of float value `in` as tensor t. */
static void qdq(qx *X, int t, const char *in, const char *label) {
    const an_tensor ti = an_q_tensor_info(X->g, t);
    char sn[96], zn[96], nm[96];
    snprintf(sn, sizeof sn, "t%d_scale", t);
    snprintf(zn, sizeof zn, "t%d_zero_point", t);
    const int8_t zp = (int8_t)ti.zero_point;
    ox_build_init_f32(&X->b, sn, &ti.scale, NULL, 0);
    ox_build_init_i8(&X->b, zn, &zp, NULL, 0);
    snprintf(nm, sizeof nm, "%s/quantize", label);
    const char *q = ox_build_name(&X->b, nm);
    ox_build_node(&X->b, "QuantizeLinear", nm, (const char *const[]){in, sn, zn, NULL},
                  (const char *const[]){q, NULL});
    snprintf(nm, sizeof nm, "%s/dequantize", label);
    const char *d = ox_build_name(&X->b, nm);
    ox_build_node(&X->b, "DequantizeLinear", nm, (const char *const[]){q, sn, zn, NULL},
                  (const char *const[]){d, NULL});
    X->dq[t] = d;
}

/* Clip to the layer's clamp when tighter than the int8 range. */
static const char *clamp(qx *X, const an_q_layer *l, const char *in) {
    if (l->act_min <= -128 && l->act_max >= 127) return in;
    const float lo = l->act_min <= -128 ? -3.0e38f : (float)(l->act_min - l->zero_point) * l->scale;
    const float hi = l->act_max >= 127 ? 3.0e38f : (float)(l->act_max - l->zero_point) * l->scale;
    char ln[96], hn[96], nm[96];
    snprintf(ln, sizeof ln, "%s/clamp_min", l->name);
    snprintf(hn, sizeof hn, "%s/clamp_max", l->name);
    snprintf(nm, sizeof nm, "%s/clamp", l->name);
    ox_build_init_f32(&X->b, ln, &lo, NULL, 0);
    ox_build_init_f32(&X->b, hn, &hi, NULL, 0);
    const char *out = ox_build_name(&X->b, nm);
    ox_build_node(&X->b, "Clip", nm, (const char *const[]){in, ln, hn, NULL},
                  (const char *const[]){out, NULL});
    return out;
}

/* Weights and bias of a conv/dense layer as DequantizeLinear nodes. */
static an_status params(qx *X, const an_q_layer *l, int conv, const char **wf, const char **bf) {
    const an_tensor in = an_q_tensor_info(X->g, l->in[0]);
    const int C = l->c, K = l->k;
    int8_t *w = malloc((size_t)C * K);
    int32_t *bias = malloc(sizeof(int32_t) * (size_t)C);
    float *bs = malloc(sizeof(float) * (size_t)C);
    int8_t *wz = calloc((size_t)C, 1);
    int32_t *bz = calloc((size_t)C, sizeof(int32_t));
    an_status s = AN_OK;
    if (!w || !bias || !bs || !wz || !bz) s = an_fail(AN_ERR_NOMEM, "out of memory (export)");
    const int IC = conv ? K / (l->kh * l->kw) : K;
    const int H = X->fh[l->in[0]], W = X->fw[l->in[0]], FC = X->fc[l->in[0]];
    for (int oc = 0; oc < C && !s; oc++) {
        int64_t sum = 0;
        for (int k = 0; k < K; k++) {
            const int8_t v = l->weights[(int64_t)oc * K + k];
            sum += v;
            if (conv) { /* OHWI -> OIHW */
                const int ky = k / (l->kw * IC), kx = k / IC % l->kw, ic = k % IC;
                w[(int64_t)oc * K + ((int64_t)ic * l->kh + ky) * l->kw + kx] = v;
            } else { /* [out][in] -> [in][out], in rows in ONNX (CHW) order */
                int r = k;
                if (FC) {
                    const int c = k % FC, x = k / FC % W, y = k / FC / W;
                    r = (c * H + y) * W + x;
                }
                w[(int64_t)r * C + oc] = v;
            }
        }
        const int64_t b = (int64_t)l->bias[oc] + (int64_t)in.zero_point * sum;
        if (b < INT32_MIN || b > INT32_MAX)
            s = an_fail(AN_ERR_RANGE, "%s: %s: bias of channel %d does not fit int32", X->g->source,
                        l->name, oc);
        bias[oc] = (int32_t)b;
        bs[oc] = in.scale * l->w_scale[oc];
        if (!s && !(bs[oc] > 0 && bs[oc] < 3.0e38f))
            s = an_fail(AN_ERR_RANGE,
                        "%s: %s: the bias scale of channel %d (input scale x weight scale) is "
                        "not representable as a float",
                        X->g->source, l->name, oc);
    }
    if (!s) {
        char wn[96], sn[96], zn[96], bn[96], bsn[96], bzn[96], nm[96];
        snprintf(wn, sizeof wn, "%s/kernel", l->name);
        snprintf(sn, sizeof sn, "%s/kernel_scale", l->name);
        snprintf(zn, sizeof zn, "%s/kernel_zero_point", l->name);
        snprintf(bn, sizeof bn, "%s/bias", l->name);
        snprintf(bsn, sizeof bsn, "%s/bias_scale", l->name);
        snprintf(bzn, sizeof bzn, "%s/bias_zero_point", l->name);
        const int64_t wd4[4] = {C, IC, l->kh, l->kw}, wd2[2] = {K, C}, cd[1] = {C};
        ox_build_init_i8(&X->b, wn, w, conv ? wd4 : wd2, conv ? 4 : 2);
        ox_build_init_f32(&X->b, sn, l->w_scale, cd, 1);
        ox_build_init_i8(&X->b, zn, wz, cd, 1);
        ox_build_init_i32(&X->b, bn, bias, cd, 1);
        ox_build_init_f32(&X->b, bsn, bs, cd, 1);
        ox_build_init_i32(&X->b, bzn, bz, cd, 1);
        snprintf(nm, sizeof nm, "%s/kernel/dequantize", l->name);
        *wf = ox_build_name(&X->b, nm);
        Onnx__NodeProto *o =
            ox_build_node(&X->b, "DequantizeLinear", nm, (const char *const[]){wn, sn, zn, NULL},
                          (const char *const[]){*wf, NULL});
        ox_build_attr_int(&X->b, o, "axis", conv ? 0 : 1);
        snprintf(nm, sizeof nm, "%s/bias/dequantize", l->name);
        *bf = ox_build_name(&X->b, nm);
        o = ox_build_node(&X->b, "DequantizeLinear", nm, (const char *const[]){bn, bsn, bzn, NULL},
                          (const char *const[]){*bf, NULL});
        ox_build_attr_int(&X->b, o, "axis", 0);
    }
    free(w);
    free(bias);
    free(bs);
    free(wz);
    free(bz);
    return s;
}

static void window(qx *X, Onnx__NodeProto *o, const an_q_layer *l) {
    const an_tensor in = an_q_tensor_info(X->g, l->in[0]);
    int pb = (l->h - 1) * l->sh + l->kh - in.h - l->pt;
    int pr = (l->w - 1) * l->sw + l->kw - in.w - l->pl;
    pb = pb > 0 ? pb : 0, pr = pr > 0 ? pr : 0;
    const int64_t k[2] = {l->kh, l->kw}, s[2] = {l->sh, l->sw}, p[4] = {l->pt, l->pl, pb, pr};
    ox_build_attr_ints(&X->b, o, "kernel_shape", k, 2);
    ox_build_attr_ints(&X->b, o, "strides", s, 2);
    ox_build_attr_ints(&X->b, o, "pads", p, 4);
    if (l->op == AN_Q_CONV2D && l->groups > 1) ox_build_attr_int(&X->b, o, "group", l->groups);
}

static an_status layer(qx *X, int i) {
    const an_q_layer *l = &X->g->layers[i];
    const int t = i + 1, a = l->in[0];
    const char *in = X->dq[a], *wf = NULL, *bf = NULL, *out;
    an_status s = AN_OK;
    static const char *const OPS[AN_Q_OP_COUNT] = {"Conv",        "Gemm", "MaxPool",
                                                   "AveragePool", "Add",  "Flatten"};
    X->four[t] = l->op != AN_Q_DENSE && l->op != AN_Q_FLATTEN && X->four[a];
    if (l->op == AN_Q_FLATTEN) {
        const an_tensor ti = an_q_tensor_info(X->g, a);
        if (ti.h * ti.w > 1 && ti.c > 1) X->fh[t] = ti.h, X->fw[t] = ti.w, X->fc[t] = ti.c;
    } else if (l->op != AN_Q_DENSE) {
        X->fh[t] = X->fh[a], X->fw[t] = X->fw[a], X->fc[t] = X->fc[a];
    }
    if (l->op == AN_Q_DENSE && X->four[a]) {
        char nm[96];
        snprintf(nm, sizeof nm, "%s/flatten", l->name);
        const char *flat = ox_build_name(&X->b, nm);
        ox_build_node(&X->b, "Flatten", nm, (const char *const[]){in, NULL},
                      (const char *const[]){flat, NULL});
        in = flat;
    }
    if ((l->op == AN_Q_CONV2D || l->op == AN_Q_DENSE) &&
        (s = params(X, l, l->op == AN_Q_CONV2D, &wf, &bf)))
        return s;
    out = ox_build_name(&X->b, l->name);
    const char *second = l->op == AN_Q_ADD ? X->dq[l->in[1]] : wf;
    Onnx__NodeProto *o =
        ox_build_node(&X->b, OPS[l->op], l->name, (const char *const[]){in, second, bf, NULL},
                      (const char *const[]){out, NULL});
    if (l->op == AN_Q_CONV2D || l->op == AN_Q_MAXPOOL || l->op == AN_Q_AVGPOOL) window(X, o, l);
    if (l->op == AN_Q_AVGPOOL) ox_build_attr_int(&X->b, o, "count_include_pad", 0);
    if (l->op == AN_Q_CONV2D || l->op == AN_Q_DENSE || l->op == AN_Q_ADD) out = clamp(X, l, out);
    qdq(X, t, out, l->name);
    return AN_OK;
}

an_status an_onnx_export_q8_buffer(const an_q_graph *g, uint8_t **buf, size_t *n) {
    *buf = NULL, *n = 0;
    an_status s = an_q_graph_validate(g);
    if (s) return s;
    qx X = {.g = g};
    const size_t nt = (size_t)g->n_layers + 1;
    X.dq = calloc(nt, sizeof *X.dq);
    X.fh = calloc(nt, sizeof(int)), X.fw = calloc(nt, sizeof(int)), X.fc = calloc(nt, sizeof(int));
    X.four = calloc(nt, sizeof(int));
    ox_build_init(&X.b, "asicnn_int8");
    if (!X.dq || !X.fh || !X.fw || !X.fc || !X.four) s = an_fail(AN_ERR_NOMEM, "out of memory");
    const an_q_input *in = &g->input;
    const int vec = in->h == 1 && in->w == 1;
    const int64_t d4[4] = {0, in->c, in->h, in->w}, d2[2] = {0, in->c};
    ox_build_io(&X.b, 0, "input", vec ? d2 : d4, vec ? 2 : 4);
    if (g->data_opts[0]) ox_build_meta(&X.b, OX_META_DATA, g->data_opts);
    ox_export_input_map(&X.b, &g->input);
    if (!s) {
        X.four[0] = !vec;
        qdq(&X, 0, "input", "input");
    }
    for (int i = 0; i < g->n_layers && !s; i++) s = layer(&X, i);
    const an_q_layer *last = &g->layers[g->n_layers - 1];
    if (!s && X.four[g->n_layers] && last->h * last->w > 1)
        s = an_fail(AN_ERR_UNSUPPORTED, "%s: the output is an image; add a flatten", g->source);
    if (!s) {
        s = ox_build_output_finish(&X.b, X.dq[g->n_layers], X.four[g->n_layers],
                                   (int64_t)last->h * last->w * last->c, buf, n);
    } else {
        ox_build_free(&X.b);
    }
    free(X.dq);
    free(X.fh);
    free(X.fw);
    free(X.fc);
    free(X.four);
    return s;
}

an_status an_onnx_export_q8(const char *path, const an_q_graph *g) {
    uint8_t *buf;
    size_t n;
    an_status s = an_onnx_export_q8_buffer(g, &buf, &n);
    if (!s) s = ox_write_file(path, buf, n);
    free(buf);
    return s;
}
