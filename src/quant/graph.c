/*
** The int8 graph: name tables, tensor lookup, validation of every field
** (so that no engine can index outside its buffers or overflow its int32
** accumulators, whatever a file claims), input quantization, argmax.
*/
#include "asicnn/quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const AN_Q_OP_NAME[AN_Q_OP_COUNT] = {
    [AN_Q_CONV2D] = "conv2d",   [AN_Q_DENSE] = "dense", [AN_Q_MAXPOOL] = "maxpool",
    [AN_Q_AVGPOOL] = "avgpool", [AN_Q_ADD] = "add",     [AN_Q_FLATTEN] = "flatten",
};
const char *const AN_Q_IMPL_NAME[AN_Q_IMPL_COUNT] = {"reference", "fast", "fast-scalar",
                                                     "fast-avx2", "fast-vnni"};
const char *const AN_CALIB_NAME[AN_CALIB_COUNT] = {"min-max", "percentile", "entropy"};

/* Largest tensor (per sample) and layer count a graph may have. */
#define Q_MAX_TENSOR (1 << 26)
#define Q_MAX_LAYERS 4096

void an_q_graph_free(an_q_graph *g) {
    if (!g) return;
    for (int i = 0; g->layers && i < g->n_layers; i++) {
        an_q_layer *l = &g->layers[i];
        free(l->weights);
        free(l->bias);
        free(l->mult);
        free(l->shift);
        free(l->w_scale);
    }
    free(g->layers);
    free(g->input.in_mul);
    free(g->input.in_add);
    *g = (an_q_graph){0};
}

an_tensor an_q_tensor_info(const an_q_graph *g, int t) {
    if (t <= 0) {
        const an_q_input *i = &g->input;
        return (an_tensor){.h = i->h,
                           .w = i->w,
                           .c = i->c,
                           .scale = i->scale,
                           .zero_point = i->zero_point,
                           .dtype = AN_I8};
    }
    const an_q_layer *l = &g->layers[t - 1];
    return (an_tensor){.h = l->h,
                       .w = l->w,
                       .c = l->c,
                       .scale = l->scale,
                       .zero_point = l->zero_point,
                       .dtype = AN_I8};
}

int64_t an_q_tensor_size(const an_q_graph *g, int t) {
    const an_tensor i = an_q_tensor_info(g, t);
    return an_tensor_numel(&i);
}

void an_q_choose_qparams(float lo, float hi, float *scale, int32_t *zp) {
    double l = lo < 0 ? lo : 0, h = hi > 0 ? hi : 0;
    if (!isfinite(l) || !isfinite(h)) l = 0, h = 1;
    double s = (h - l) / 255.0;
    if (!(s > 1e-30)) s = 1.0 / 255.0; /* a constant-zero tensor */
    float sf = (float)s;
    int32_t z = an_q_round_sat32(-128.0 - l / (double)sf);
    if (z < -128) z = -128;
    if (z > 127) z = 127;
    *scale = sf;
    *zp = z;
}

void an_q_quantize_input(const an_q_graph *g, const float *x, int64_t n, int8_t *q) {
    const an_q_input *in = &g->input;
    const int64_t F = (int64_t)in->h * in->w * in->c;
    for (int64_t i = 0; i < n; i++) {
        for (int64_t f = 0; f < F; f++) {
            const int64_t a = in->n_affine == 1 ? 0 : f;
            const float v = x[i * F + f] * in->in_mul[a] + in->in_add[a]; /* float32 */
            int32_t r = an_q_round_sat32((double)v);
            q[i * F + f] = (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
        }
    }
}

int an_q_argmax(const int8_t *logits, int n) {
    int best = 0;
    for (int k = 1; k < n; k++)
        if (logits[k] > logits[best]) best = k;
    return best;
}

/* ---- validation --------------------------------------------------------- */

#define BAD(...) an_fail(AN_ERR_FORMAT, __VA_ARGS__)

static int qp_ok(float scale, int32_t zp) {
    return isfinite(scale) && scale > 0 && zp >= -128 && zp <= 127;
}

/* A shape of 1..Q_MAX_TENSOR values, its product taken without overflow. */
static int shape_ok(int h, int w, int c) {
    return h >= 1 && w >= 1 && c >= 1 && (int64_t)h * w <= Q_MAX_TENSOR &&
           (int64_t)h * w * c <= Q_MAX_TENSOR;
}

/* A window op's geometry against its input: every window overlaps the input. */
static an_status check_window(const an_q_graph *g, int i, const an_q_layer *l,
                              const an_tensor *in) {
    const char *src = g->source;
    if (l->kh < 1 || l->kw < 1 || l->kh > 4096 || l->kw > 4096 || l->sh < 1 || l->sw < 1 ||
        l->sh > 4096 || l->sw > 4096)
        return BAD("%s: layer %d (%s): bad window %dx%d stride %dx%d", src, i, l->name, l->kh,
                   l->kw, l->sh, l->sw);
    if (l->pt < 0 || l->pt >= l->kh || l->pl < 0 || l->pl >= l->kw)
        return BAD("%s: layer %d (%s): padding %d,%d outside the %dx%d window", src, i, l->name,
                   l->pt, l->pl, l->kh, l->kw);
    if ((int64_t)(l->h - 1) * l->sh - l->pt >= in->h ||
        (int64_t)(l->w - 1) * l->sw - l->pl >= in->w)
        return BAD("%s: layer %d (%s): output %dx%d has windows outside its %dx%d input", src, i,
                   l->name, l->h, l->w, in->h, in->w);
    return AN_OK;
}

/* Weights, bias, multipliers of a conv/dense layer. */
static an_status check_params(const an_q_graph *g, int i, const an_q_layer *l) {
    const char *src = g->source;
    if (!l->weights || !l->bias || !l->mult || !l->shift || !l->w_scale)
        return BAD("%s: layer %d (%s): missing parameters", src, i, l->name);
    for (int64_t j = 0; j < (int64_t)l->c * l->k; j++)
        if (l->weights[j] < -127)
            return BAD("%s: layer %d (%s): field weights[%lld] = %d outside [-127, 127]", src, i,
                       l->name, (long long)j, l->weights[j]);
    for (int c = 0; c < l->c; c++) {
        if (l->mult[c] != 0 && l->mult[c] < (1 << 30))
            return BAD("%s: layer %d (%s): field multiplier[%d] = %d outside [2^30, 2^31)", src, i,
                       l->name, c, l->mult[c]);
        if (l->shift[c] < -31 || l->shift[c] > 30)
            return BAD("%s: layer %d (%s): field shift[%d] = %d outside [-31, 30]", src, i, l->name,
                       c, l->shift[c]);
        /* |acc| <= |bias| + K * 128 * 127 must fit in int32 */
        double bound = fabs((double)l->bias[c]) + (double)l->k * 128.0 * 127.0;
        if (bound > 2147483647.0)
            return BAD("%s: layer %d (%s): field bias[%d] = %d: the accumulator could overflow "
                       "int32",
                       src, i, l->name, c, l->bias[c]);
        if (!isfinite(l->w_scale[c]) || l->w_scale[c] < 0)
            return BAD("%s: layer %d (%s): field w_scale[%d] = %g is not finite and >= 0", src, i,
                       l->name, c, (double)l->w_scale[c]);
    }
    return AN_OK;
}

static an_status check_layer(const an_q_graph *g, int i) {
    const an_q_layer *l = &g->layers[i];
    const char *src = g->source;
    if ((unsigned)l->op >= AN_Q_OP_COUNT)
        return BAD("%s: layer %d: field op = %d is not a known op", src, i, (int)l->op);
    if (memchr(l->name, 0, AN_Q_NAME_MAX) == NULL ||
        memchr(l->float_node, 0, AN_Q_NAME_MAX) == NULL)
        return BAD("%s: layer %d: field name is not terminated", src, i);
    if (l->in[0] < 0 || l->in[0] > i)
        return BAD("%s: layer %d (%s): field in[0] = %d is not an earlier tensor (0..%d)", src, i,
                   l->name, l->in[0], i);
    if (l->op == AN_Q_ADD ? (l->in[1] < 0 || l->in[1] > i) : l->in[1] != -1)
        return BAD("%s: layer %d (%s): field in[1] = %d is invalid for %s", src, i, l->name,
                   l->in[1], AN_Q_OP_NAME[l->op]);
    if (!shape_ok(l->h, l->w, l->c))
        return BAD("%s: layer %d (%s): bad output shape %dx%dx%d", src, i, l->name, l->h, l->w,
                   l->c);
    if (!qp_ok(l->scale, l->zero_point))
        return BAD("%s: layer %d (%s): field scale/zero_point = %g/%d invalid (scale > 0, zero "
                   "point in [-128, 127])",
                   src, i, l->name, (double)l->scale, l->zero_point);
    if (l->act_min < -128 || l->act_max > 127 || l->act_min > l->act_max)
        return BAD("%s: layer %d (%s): field act_min/act_max = %d/%d invalid", src, i, l->name,
                   l->act_min, l->act_max);
    const an_tensor in = an_q_tensor_info(g, l->in[0]);
    const int64_t in_size = (int64_t)in.h * in.w * in.c;
    if (l->op == AN_Q_CONV2D ? (l->groups < 1 || in.c % l->groups != 0 || l->c % l->groups != 0)
                             : l->groups != 1)
        return BAD("%s: layer %d (%s): field groups = %d invalid for %s (input %d and output %d "
                   "channels)",
                   src, i, l->name, l->groups, AN_Q_OP_NAME[l->op], in.c, l->c);
    an_status s;
    switch (l->op) {
    case AN_Q_CONV2D:
        if ((s = check_window(g, i, l, &in))) return s;
        if (l->k != (int64_t)l->kh * l->kw * (in.c / l->groups))
            return BAD("%s: layer %d (%s): field k = %d, expected %dx%dx%d", src, i, l->name, l->k,
                       l->kh, l->kw, in.c / l->groups);
        return check_params(g, i, l);
    case AN_Q_DENSE:
        if (l->h != 1 || l->w != 1 || l->k != in_size)
            return BAD("%s: layer %d (%s): field k = %d but the input has %lld values", src, i,
                       l->name, l->k, (long long)in_size);
        return check_params(g, i, l);
    case AN_Q_MAXPOOL:
    case AN_Q_AVGPOOL:
    case AN_Q_FLATTEN:
        if (l->scale != in.scale || l->zero_point != in.zero_point)
            return BAD("%s: layer %d (%s): %s must keep its input's scale and zero point", src, i,
                       l->name, AN_Q_OP_NAME[l->op]);
        if (l->op == AN_Q_FLATTEN) {
            if (l->h != 1 || l->w != 1 || l->c != in_size)
                return BAD("%s: layer %d (%s): flatten of %lld values gives %dx%dx%d", src, i,
                           l->name, (long long)in_size, l->h, l->w, l->c);
            return AN_OK;
        }
        if (l->c != in.c)
            return BAD("%s: layer %d (%s): pooling changes channels %d -> %d", src, i, l->name,
                       in.c, l->c);
        return check_window(g, i, l, &in);
    case AN_Q_ADD: {
        const an_tensor b = an_q_tensor_info(g, l->in[1]);
        if (in.h != l->h || in.w != l->w || in.c != l->c || b.h != l->h || b.w != l->w ||
            b.c != l->c)
            return BAD("%s: layer %d (%s): add inputs and output shapes differ", src, i, l->name);
        for (int j = 0; j < 3; j++) {
            if ((l->add_mult[j] != 0 && l->add_mult[j] < (1 << 30)) || l->add_shift[j] < -31 ||
                l->add_shift[j] > 0)
                return BAD("%s: layer %d (%s): field add_mult/add_shift[%d] = %d/%d invalid", src,
                           i, l->name, j, l->add_mult[j], l->add_shift[j]);
        }
        return AN_OK;
    }
    default:
        return AN_OK;
    }
}

an_status an_q_graph_validate(const an_q_graph *g) {
    const an_q_input *in = &g->input;
    const char *src = g->source;
    if (!shape_ok(in->h, in->w, in->c))
        return BAD("%s: input: bad shape %dx%dx%d", src, in->h, in->w, in->c);
    if (!qp_ok(in->scale, in->zero_point))
        return BAD("%s: input: field scale/zero_point = %g/%d invalid", src, (double)in->scale,
                   in->zero_point);
    if (in->n_affine != 1 && in->n_affine != (int64_t)in->h * in->w * in->c)
        return BAD("%s: input: field n_affine = %lld (must be 1 or %lld)", src,
                   (long long)in->n_affine, (long long)in->h * in->w * in->c);
    if (!in->in_mul || !in->in_add) return BAD("%s: input: missing affine map", src);
    for (int64_t f = 0; f < in->n_affine; f++)
        if (!isfinite(in->in_mul[f]) || !isfinite(in->in_add[f]))
            return BAD("%s: input: field in_mul/in_add[%lld] is not finite", src, (long long)f);
    if (g->n_layers < 1 || g->n_layers > Q_MAX_LAYERS || !g->layers)
        return BAD("%s: field n_layers = %d outside 1..%d", src, g->n_layers, Q_MAX_LAYERS);
    for (int i = 0; i < g->n_layers; i++) {
        an_status s = check_layer(g, i);
        if (s) return s;
    }
    return AN_OK;
}
