/*
** A case description to an int8 graph: shapes follow from the input and
** each layer's window and padding; weights, biases, requantization
** parameters, zero points and clamps come from each layer's seed, the way
** the quantizer fills them in, or at the extremes its qx bits ask for.
**
** Contract
** - Deterministic: the same description gives the same graph.
** - Returns CH_BUILD_INVALID (and builds nothing) when the description does
**   not give a graph an_q_graph_validate would accept: a window larger than
**   its padded input, add inputs of different shapes, a forward reference.
*/
#include "chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int below(an_rng *r, int n) {
    return (int)an_rng_below(r, (uint32_t)n);
}

/* Output zero point and clamp of a layer with activation act. */
static void out_qparams(an_q_layer *l, const ch_layer *d, an_rng *r) {
    l->scale = 0.01f + 0.1f * an_rng_uniform(r);
    l->zero_point = d->act ? -128 : below(r, 60) - 30;
    if (d->qx & CH_QX_ZP) l->zero_point = below(r, 2) ? 127 : -128;
    l->act_min = -128, l->act_max = 127;
    if (d->act) l->act_min = l->zero_point;
    if (d->act == 2) {
        const long hi = l->zero_point + lround(6.0 / l->scale);
        l->act_max = hi < 127 ? (int)hi : 127;
    }
    if (d->qx & CH_QX_CLAMP) {
        const int a = below(r, 256) - 128, b = below(r, 256) - 128;
        l->act_min = a < b ? a : b, l->act_max = a < b ? b : a;
        if (below(r, 4) == 0) l->act_max = l->act_min; /* one value */
    }
}

/* Weights, biases and requantization of a conv/dense layer with reduction
** length l->k over input qparams in. */
static int linear_params(an_q_layer *l, const ch_layer *d, an_tensor in, an_rng *r) {
    const int64_t n = (int64_t)l->c * l->k;
    l->weights = malloc((size_t)n);
    l->bias = malloc(4 * (size_t)l->c);
    l->mult = malloc(4 * (size_t)l->c);
    l->shift = malloc(4 * (size_t)l->c);
    l->w_scale = malloc(4 * (size_t)l->c);
    if (!l->weights || !l->bias || !l->mult || !l->shift || !l->w_scale) return 0;
    const int extreme_w = d->qx & CH_QX_WEIGHTS;
    const double bound = 2147483647.0 - (double)l->k * 128.0 * 127.0;
    for (int oc = 0; oc < l->c; oc++) {
        int64_t sum = 0;
        const int sign = below(r, 2) ? 127 : -127;
        for (int64_t j = 0; j < l->k; j++) {
            const int v = extreme_w ? (below(r, 8) ? sign : -sign) : below(r, 255) - 127;
            l->weights[(int64_t)oc * l->k + j] = (int8_t)v;
            sum += v;
        }
        l->w_scale[oc] = (0.2f + an_rng_uniform(r)) / 127.0f / sqrtf((float)l->k);
        double b = (double)(below(r, 20001) - 10000) - (double)in.zero_point * (double)sum;
        if (d->qx & CH_QX_BIAS)
            b = (below(r, 2) ? 1 : -1) * floor(bound * (0.9 + 0.1 * an_rng_uniform(r)));
        if (b > bound) b = floor(bound);
        if (b < -bound) b = -floor(bound);
        l->bias[oc] = (int32_t)b;
        int sh = 0;
        const double M = (double)in.scale * l->w_scale[oc] / l->scale;
        if (an_q_quantize_multiplier(M, &l->mult[oc], &sh) != AN_OK) l->mult[oc] = 1 << 30;
        if (d->qx & CH_QX_MULT) {
            static const int32_t ends[3] = {1 << 30, INT32_MAX, 0};
            l->mult[oc] = ends[below(r, 3)];
        }
        if (d->qx & CH_QX_SHIFT) sh = below(r, 2) ? -31 : below(r, 2) ? 30 : -1 - below(r, 3);
        l->shift[oc] = sh < -31 ? -31 : sh > 30 ? 30 : sh;
    }
    return 1;
}

/* Add: the TFLite rescaling, or multipliers and shifts at their ends. */
static void add_params(an_q_layer *l, const ch_layer *d, an_tensor a, an_tensor b, an_rng *r) {
    const double twice = 2 * fmax(a.scale, b.scale);
    const double real[3] = {a.scale / twice, b.scale / twice,
                            twice / ((double)(1 << AN_Q_ADD_LEFT_SHIFT) * l->scale)};
    for (int j = 0; j < 3; j++) {
        int sh = 0;
        if (an_q_quantize_multiplier(real[j], &l->add_mult[j], &sh) != AN_OK) l->add_mult[j] = 0;
        if (d->qx & CH_QX_MULT) l->add_mult[j] = below(r, 2) ? 1 << 30 : INT32_MAX;
        if (d->qx & CH_QX_SHIFT) sh = below(r, 2) ? -31 : 0;
        l->add_shift[j] = sh < -31 ? -31 : sh > 0 ? 0 : sh;
    }
}

/* Window geometry of layer i over input t; 0 when it does not fit. */
static int set_window(an_q_layer *l, const ch_layer *d, an_tensor t) {
    if (d->kh < 1 || d->kw < 1 || d->sh < 1 || d->sw < 1 || d->pt < 0 || d->pb < 0 || d->pl < 0 ||
        d->pr < 0 || d->pt >= d->kh || d->pb >= d->kh || d->pl >= d->kw || d->pr >= d->kw ||
        t.h + d->pt + d->pb < d->kh || t.w + d->pl + d->pr < d->kw)
        return 0;
    l->kh = d->kh, l->kw = d->kw, l->sh = d->sh, l->sw = d->sw, l->pt = d->pt, l->pl = d->pl;
    l->h = (t.h + d->pt + d->pb - d->kh) / d->sh + 1;
    l->w = (t.w + d->pl + d->pr - d->kw) / d->sw + 1;
    return 1;
}

/* Layer i of the graph from its description; 0 when it does not fit. */
static int build_layer(an_q_graph *g, const ch_layer *d, int i) {
    an_q_layer *l = &g->layers[i];
    *l = (an_q_layer){
        .op = (an_q_op)d->op, .in = {d->in0, -1}, .groups = 1, .kh = 1, .kw = 1, .sh = 1, .sw = 1};
    snprintf(l->name, sizeof l->name, "%s_%d", AN_Q_OP_NAME[d->op], i);
    snprintf(l->float_node, sizeof l->float_node, "%s", l->name);
    if (d->in0 < 0 || d->in0 > i || (d->op == AN_Q_ADD && (d->in1 < 0 || d->in1 > i))) return 0;
    an_rng r;
    an_rng_seed(&r, d->seed, 3);
    const an_tensor t = an_q_tensor_info(g, d->in0);
    switch (d->op) {
    case AN_Q_CONV2D:
        if (d->c < 1 || !set_window(l, d, t)) return 0;
        l->c = d->c, l->k = d->kh * d->kw * t.c;
        out_qparams(l, d, &r);
        return linear_params(l, d, t, &r);
    case AN_Q_DENSE:
        if (d->c < 1) return 0;
        l->h = l->w = 1, l->c = d->c, l->k = t.h * t.w * t.c;
        out_qparams(l, d, &r);
        return linear_params(l, d, t, &r);
    case AN_Q_MAXPOOL:
    case AN_Q_AVGPOOL:
        if (!set_window(l, d, t)) return 0;
        l->c = t.c, l->scale = t.scale, l->zero_point = t.zero_point;
        l->act_min = -128, l->act_max = 127;
        return 1;
    case AN_Q_FLATTEN:
        l->h = l->w = 1, l->c = t.h * t.w * t.c, l->scale = t.scale, l->zero_point = t.zero_point;
        l->act_min = -128, l->act_max = 127;
        return 1;
    case AN_Q_ADD: {
        const an_tensor b = an_q_tensor_info(g, d->in1);
        if (t.h != b.h || t.w != b.w || t.c != b.c) return 0;
        l->in[1] = d->in1;
        l->h = t.h, l->w = t.w, l->c = t.c;
        out_qparams(l, d, &r);
        add_params(l, d, t, b, &r);
        return 1;
    }
    default:
        return 0;
    }
}

int ch_build(const ch_case *k, an_q_graph *g) {
    *g = (an_q_graph){0};
    if (k->n < 1 || k->n > CH_MAX_LAYERS || k->h < 1 || k->w < 1 || k->c < 1)
        return CH_BUILD_INVALID;
    snprintf(g->source, sizeof g->source, "chain-%llu", (unsigned long long)k->seed);
    snprintf(g->calib, sizeof g->calib, "random (chain tester)");
    g->input = (an_q_input){.h = k->h,
                            .w = k->w,
                            .c = k->c,
                            .scale = k->in_scale,
                            .zero_point = k->in_zp,
                            .n_affine = 1};
    g->input.in_mul = malloc(sizeof(float));
    g->input.in_add = malloc(sizeof(float));
    g->layers = calloc((size_t)k->n, sizeof *g->layers);
    if (!g->input.in_mul || !g->input.in_add || !g->layers) {
        an_q_graph_free(g);
        return CH_BUILD_INVALID;
    }
    g->input.in_mul[0] = 1, g->input.in_add[0] = (float)k->in_zp;
    for (int i = 0; i < k->n; i++) {
        g->n_layers = i + 1; /* so that an_q_graph_free frees what was built */
        if (!build_layer(g, &k->layer[i], i)) {
            an_q_graph_free(g);
            return CH_BUILD_INVALID;
        }
    }
    return CH_BUILD_OK;
}
