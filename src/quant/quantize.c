/*
** The quantizer: a float model plus calibrated ranges become an int8 graph
** (TFLite int8 scheme, DESIGN.md "Quantization contract").
**
** - conv2d / dense: weights symmetric per output channel (a grouped conv's
**   [KH, KW, C/G, OC] as they are, with its groups),
**   s_w[c] = max|W[c]| / 127, q = round(W / s_w[c]) in [-127, 127], stored
**   OHWI / [out][in]; bias q_b = round(b / (s_x s_w[c])) - z_x * sum(q_w[c]);
**   multiplier and shift from M = s_x s_w[c] / s_y (QuantizeMultiplier).
** - A batchnorm that is the only user of a conv/dense (without activation)
**   is folded into it: W' = W a, b' = (b - mean) a + beta, a = gamma /
**   sqrt(var + eps). A relu/relu6 that is the only user of a conv, dense or
**   add (without activation) becomes its clamp.
** - Clamps: none [-128, 127]; relu [max(-128, z_y), 127]; relu6 the same
**   with max min(127, z_y + round(6 / s_y)).
** - maxpool, avgpool, flatten keep their input's scale and zero point;
**   dropout disappears.
** - add: TFLite's scheme with a left shift of 20.
** - The input: the checkpoint's normalisation folded into an affine map
**   from raw values to int8 (see an_q_input).
*/
#include "asicnn/quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct qctx {
    const an_model *m;
    const an_calib_range *ranges;
    an_q_graph *g;
    int *tmap;  /* [n_nodes] float node -> tensor id (-1: none yet) */
    int *users; /* [n_nodes] number of nodes reading each node */
    int *taken; /* [n_nodes] absorbed into an earlier layer */
} qctx;

static an_status unsupported(const qctx *q, const an_node *n, const char *why) {
    return an_fail(AN_ERR_UNSUPPORTED, "%s:%d: %s: %s", q->m->source, n->line, n->name, why);
}

/* The only user of node i when it has exactly one, else -1. */
static int only_user(const qctx *q, int i) {
    if (q->users[i] != 1) return -1;
    for (int j = i + 1; j < q->m->n_nodes; j++) {
        const an_node *n = &q->m->nodes[j];
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] == i) return j;
    }
    return -1;
}

/* Append a layer whose output is float node `last`; returns it. */
static an_q_layer *push(qctx *q, an_q_op op, const an_node *first, int last) {
    an_q_layer *l = &q->g->layers[q->g->n_layers++];
    *l = (an_q_layer){.op = op, .in = {-1, -1}, .groups = 1, .act_min = -128, .act_max = 127};
    snprintf(l->name, sizeof l->name, "%s", first->name);
    snprintf(l->float_node, sizeof l->float_node, "%s", q->m->nodes[last].name);
    const an_node *o = &q->m->nodes[last];
    l->h = o->h, l->w = o->w, l->c = o->c;
    l->kh = l->kw = l->sh = l->sw = 1;
    return l;
}

/* Output qparams from the calibrated range of float node `last`, and the clamp. */
static void out_qparams(qctx *q, an_q_layer *l, int last, an_act act) {
    an_q_choose_qparams(q->ranges[last].lo, q->ranges[last].hi, &l->scale, &l->zero_point);
    if (act != AN_ACT_NONE) l->act_min = l->zero_point > -128 ? l->zero_point : -128;
    if (act == AN_ACT_RELU6) {
        int32_t hi = l->zero_point + an_q_round_sat32(6.0 / (double)l->scale);
        l->act_max = hi < 127 ? hi : 127;
    }
}

/* Absorb a following batchnorm (bn, may be NULL out) and relu into node i. */
static int absorb(qctx *q, int i, int allow_bn, int *bn, an_act *act) {
    int last = i;
    *bn = -1;
    *act = q->m->nodes[i].act;
    int j;
    if (allow_bn && *act == AN_ACT_NONE && (j = only_user(q, last)) >= 0 &&
        q->m->nodes[j].op == AN_OP_BATCHNORM && q->m->nodes[j].act == AN_ACT_NONE)
        *bn = j, q->taken[j] = 1, last = j;
    if (*act == AN_ACT_NONE && (j = only_user(q, last)) >= 0 &&
        (q->m->nodes[j].op == AN_OP_RELU || q->m->nodes[j].op == AN_OP_RELU6)) {
        *act = q->m->nodes[j].op == AN_OP_RELU ? AN_ACT_RELU : AN_ACT_RELU6;
        q->taken[j] = 1, last = j;
    }
    return last;
}

/* conv2d / dense at float node i. */
static an_status quantize_linear(qctx *q, int i) {
    const an_model *m = q->m;
    const an_node *n = &m->nodes[i];
    const an_node *inn = &m->nodes[n->inputs[0]];
    int bn;
    an_act act;
    const int last = absorb(q, i, 1, &bn, &act);
    const int conv = n->op == AN_OP_CONV2D;
    an_q_layer *l = push(q, conv ? AN_Q_CONV2D : AN_Q_DENSE, n, last);
    l->in[0] = q->tmap[n->inputs[0]];
    if (conv) {
        l->kh = n->kh, l->kw = n->kw, l->sh = n->sh, l->sw = n->sw, l->pt = n->pt, l->pl = n->pl;
        l->groups = n->groups;
        l->k = n->kh * n->kw * (inn->c / n->groups); /* weights [KH, KW, C/G, OC] */
    } else {
        l->k = (int32_t)an_node_size(inn);
    }
    out_qparams(q, l, last, act);
    const an_tensor in = an_q_tensor_info(q->g, l->in[0]);
    const int OC = l->c, K = l->k;
    an_status s;
    if ((s = an_alloc_array((void **)&l->weights, (size_t)OC * K, 1, "weights")) ||
        (s = an_alloc_array((void **)&l->bias, (size_t)OC, 4, "bias")) ||
        (s = an_alloc_array((void **)&l->mult, (size_t)OC, 4, "multipliers")) ||
        (s = an_alloc_array((void **)&l->shift, (size_t)OC, 4, "shifts")) ||
        (s = an_alloc_array((void **)&l->w_scale, (size_t)OC, 4, "weight scales")))
        return s;
    const float *W = m->params + n->w_off; /* conv [KH,KW,C,OC], dense [K,OC] */
    const float *b = n->b_off >= 0 ? m->params + n->b_off : NULL;
    for (int oc = 0; oc < OC; oc++) {
        /* batchnorm fold: W' = W a, b' = (b - mean) a + beta */
        double a = 1, bias = b ? b[oc] : 0;
        if (bn >= 0) {
            const an_node *B = &m->nodes[bn];
            const double gamma = m->params[B->w_off + oc], beta = m->params[B->b_off + oc];
            const double mean = m->params[B->rm_off + oc], var = m->params[B->rv_off + oc];
            a = gamma / sqrt(var + B->eps);
            bias = (bias - mean) * a + beta;
        }
        /* k runs over [KH][KW][C] (conv) or [K] (dense): the float index is k*OC + oc */
        double amax = 0;
        for (int k = 0; k < K; k++) amax = fmax(amax, fabs(W[(int64_t)k * OC + oc] * a));
        const float sw = amax > 0 ? (float)(amax / 127.0) : 1.0f;
        l->w_scale[oc] = sw;
        int64_t wsum = 0;
        for (int k = 0; k < K; k++) {
            int32_t v = an_q_round_sat32(W[(int64_t)k * OC + oc] * a / (double)sw);
            v = v < -127 ? -127 : v > 127 ? 127 : v;
            l->weights[(int64_t)oc * K + k] = (int8_t)v;
            wsum += v;
        }
        const double bq = bias / ((double)in.scale * (double)sw);
        const double folded = (double)an_q_round_sat32(bq) - (double)in.zero_point * (double)wsum;
        if (fabs(bq) > 1e9 || fabs(folded) > 2147483647.0 - (double)K * 128 * 127)
            return unsupported(q, n, "a bias is too large for an int32 accumulator");
        l->bias[oc] = (int32_t)folded;
        const double M = (double)in.scale * (double)sw / (double)l->scale;
        int sh;
        if ((s = an_q_quantize_multiplier(M, &l->mult[oc], &sh)))
            return an_fail_context(s, "%s: %s channel %d", m->source, n->name, oc);
        l->shift[oc] = sh;
    }
    q->tmap[i] = q->tmap[last] = q->g->n_layers;
    if (bn >= 0) q->tmap[bn] = q->g->n_layers;
    return AN_OK;
}

static an_status quantize_add(qctx *q, int i) {
    const an_node *n = &q->m->nodes[i];
    int bn;
    an_act act;
    const int last = absorb(q, i, 0, &bn, &act);
    an_q_layer *l = push(q, AN_Q_ADD, n, last);
    l->in[0] = q->tmap[n->inputs[0]];
    l->in[1] = q->tmap[n->inputs[1]];
    out_qparams(q, l, last, act);
    an_status s = an_q_add_params(an_q_tensor_info(q->g, l->in[0]).scale,
                                  an_q_tensor_info(q->g, l->in[1]).scale, l->scale, l->add_mult,
                                  l->add_shift);
    if (s == AN_ERR_UNSUPPORTED)
        return an_fail_context(s, "%s:%d: %s", q->m->source, n->line, n->name);
    if (s) return an_fail_context(s, "%s: %s", q->m->source, n->name);
    q->tmap[i] = q->tmap[last] = q->g->n_layers;
    return AN_OK;
}

/* maxpool, avgpool, flatten: the input's scale and zero point. */
static void quantize_same(qctx *q, int i, an_q_op op) {
    const an_node *n = &q->m->nodes[i];
    an_q_layer *l = push(q, op, n, i);
    l->in[0] = q->tmap[n->inputs[0]];
    const an_tensor in = an_q_tensor_info(q->g, l->in[0]);
    l->scale = in.scale, l->zero_point = in.zero_point;
    if (op != AN_Q_FLATTEN)
        l->kh = n->kh, l->kw = n->kw, l->sh = n->sh, l->sw = n->sw, l->pt = n->pt, l->pl = n->pl;
    q->tmap[i] = q->g->n_layers;
}

/* The input: raw -> int8 with the normalisation folded in. */
static an_status quantize_input(qctx *q, const an_norm *norm) {
    const an_node *n = &q->m->nodes[0];
    an_q_input *in = &q->g->input;
    const int64_t F = an_node_size(n);
    in->h = n->h, in->w = n->w, in->c = n->c;
    const int std = norm && norm->mode == AN_NORM_STANDARD;
    if (std && norm->features != F)
        return an_fail(AN_ERR_FORMAT, "%s: normalisation has %lld features, the model %lld",
                       q->m->source, (long long)norm->features, (long long)F);
    in->n_affine = std ? F : 1;
    an_status s;
    if ((s = an_alloc_array((void **)&in->in_mul, (size_t)in->n_affine, 4, "input map")) ||
        (s = an_alloc_array((void **)&in->in_add, (size_t)in->n_affine, 4, "input map")))
        return s;
    if (norm && norm->mode == AN_NORM_SCALE255) {
        /* pixels p in 0..255: q = p - 128 exactly, real = (q + 128) / 255 = p / 255 */
        in->scale = 1.0f / 255.0f, in->zero_point = -128;
        in->in_mul[0] = 1.0f, in->in_add[0] = -128.0f;
        return AN_OK;
    }
    an_q_choose_qparams(q->ranges[0].lo, q->ranges[0].hi, &in->scale, &in->zero_point);
    for (int64_t f = 0; f < in->n_affine; f++) {
        /* normalised x = (raw - mean) / std; q = x / s + z */
        const double mean = std ? norm->mean[f] : 0, sd = std ? norm->std[f] : 1;
        in->in_mul[f] = (float)(1.0 / (sd * in->scale));
        in->in_add[f] = (float)(in->zero_point - mean / (sd * in->scale));
    }
    return AN_OK;
}

an_status an_quantize(const an_model *m, const an_norm *norm, const an_calib_range *ranges,
                      an_q_graph *g) {
    *g = (an_q_graph){0};
    snprintf(g->source, sizeof g->source, "%s", m->source);
    const int nn = m->n_nodes;
    qctx q = {.m = m, .ranges = ranges, .g = g};
    an_status s = AN_OK;
    q.tmap = malloc(sizeof(int) * (size_t)nn);
    q.users = calloc((size_t)nn, sizeof(int));
    q.taken = calloc((size_t)nn, sizeof(int));
    g->layers = calloc((size_t)nn, sizeof *g->layers);
    if (!q.tmap || !q.users || !q.taken || !g->layers) {
        s = an_fail(AN_ERR_NOMEM, "out of memory (quantize)");
        goto done;
    }
    for (int i = 0; i < nn; i++) {
        q.tmap[i] = -1;
        for (int k = 0; k < m->nodes[i].n_inputs; k++) q.users[m->nodes[i].inputs[k]]++;
    }
    q.tmap[0] = 0;
    if ((s = quantize_input(&q, norm))) goto done;
    for (int i = 1; i < nn && !s; i++) {
        const an_node *n = &m->nodes[i];
        if (q.taken[i]) continue;
        switch (n->op) {
        case AN_OP_CONV2D:
        case AN_OP_DENSE:
            s = quantize_linear(&q, i);
            break;
        case AN_OP_ADD:
            s = quantize_add(&q, i);
            break;
        case AN_OP_MAXPOOL:
            quantize_same(&q, i, AN_Q_MAXPOOL);
            break;
        case AN_OP_AVGPOOL:
            quantize_same(&q, i, AN_Q_AVGPOOL);
            break;
        case AN_OP_FLATTEN:
            quantize_same(&q, i, AN_Q_FLATTEN);
            break;
        case AN_OP_DROPOUT:
            q.tmap[i] = q.tmap[n->inputs[0]];
            break;
        case AN_OP_RELU:
        case AN_OP_RELU6:
            s = unsupported(&q, n,
                            "a relu that does not directly follow a conv2d, dense or add (as its "
                            "only user) cannot be fused into a clamp");
            break;
        case AN_OP_BATCHNORM:
            s = unsupported(&q, n,
                            "a batchnorm that does not directly follow a conv2d or dense (as its "
                            "only user) cannot be folded");
            break;
        default:
            s = unsupported(&q, n, "op not supported by the int8 quantizer");
            break;
        }
    }
    if (!s && q.tmap[m->output] != g->n_layers)
        s = an_fail(AN_ERR_UNSUPPORTED,
                    "%s: the output node %s does not map to the last int8 "
                    "layer",
                    m->source, m->nodes[m->output].name);
    if (!s) s = an_q_graph_validate(g);
done:
    free(q.tmap);
    free(q.users);
    free(q.taken);
    if (s) an_q_graph_free(g);
    return s;
}
