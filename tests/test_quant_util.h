/*
** Helpers for the quant tests: build int8 graphs layer by layer with
** random (seeded) weights, biases and scales, the way the quantizer would
** fill them in, a float64 "dequantize, compute, requantize" reference, and
** a graph's .q8 image (what an executable embeds).
*/
#ifndef ASICNN_TEST_QUANT_UTIL_H
#define ASICNN_TEST_QUANT_UTIL_H

#include "asicnn/quant.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int tq_out(int in, int k, int s, int same) {
    return same ? (in + s - 1) / s : (in - k) / s + 1;
}

static inline int tq_pad(int in, int k, int s, int same) {
    if (!same) return 0;
    int out = (in + s - 1) / s, total = (out - 1) * s + k - in;
    return total > 0 ? total / 2 : 0;
}

/* An empty graph with room for n layers and an h x w x c input. */
static inline void tq_graph(an_q_graph *g, int n, int h, int w, int c, float scale, int zp) {
    *g = (an_q_graph){0};
    snprintf(g->source, sizeof g->source, "test");
    g->layers = calloc((size_t)n, sizeof *g->layers);
    g->input =
        (an_q_input){.h = h, .w = w, .c = c, .scale = scale, .zero_point = zp, .n_affine = 1};
    g->input.in_mul = malloc(4), g->input.in_add = malloc(4);
    g->input.in_mul[0] = 1, g->input.in_add[0] = -128;
}

static inline an_q_layer *tq_push(an_q_graph *g, an_q_op op, int in) {
    an_q_layer *l = &g->layers[g->n_layers++];
    *l = (an_q_layer){.op = op, .in = {in, -1}, .groups = 1, .act_min = -128, .act_max = 127};
    snprintf(l->name, sizeof l->name, "%s_%d", AN_Q_OP_NAME[op], g->n_layers);
    snprintf(l->float_node, sizeof l->float_node, "%s", l->name);
    l->kh = l->kw = l->sh = l->sw = 1;
    return l;
}

/* Random output qparams, per-channel weights and bias; act: 0 none, 1 relu, 2 relu6. */
static inline void tq_fill_linear(an_q_graph *g, an_q_layer *l, an_rng *r, int act) {
    const an_tensor in = an_q_tensor_info(g, l->in[0]);
    l->scale = 0.02f + 0.05f * an_rng_uniform(r);
    l->zero_point = act ? -128 : (int)an_rng_below(r, 60) - 30;
    if (act) l->act_min = l->zero_point;
    if (act == 2) {
        int hi = l->zero_point + (int)lround(6.0 / l->scale);
        l->act_max = hi < 127 ? hi : 127;
    }
    l->weights = malloc((size_t)l->c * l->k);
    l->bias = malloc(4 * (size_t)l->c);
    l->mult = malloc(4 * (size_t)l->c);
    l->shift = malloc(4 * (size_t)l->c);
    l->w_scale = malloc(4 * (size_t)l->c);
    for (int oc = 0; oc < l->c; oc++) {
        int64_t sum = 0;
        for (int k = 0; k < l->k; k++) {
            int v = (int)an_rng_below(r, 255) - 127;
            l->weights[(int64_t)oc * l->k + k] = (int8_t)v;
            sum += v;
        }
        l->w_scale[oc] = (0.2f + an_rng_uniform(r)) / 127.0f / sqrtf((float)l->k);
        l->bias[oc] = (int32_t)an_rng_below(r, 20001) - 10000 - in.zero_point * (int32_t)sum;
        int sh;
        double M = (double)in.scale * l->w_scale[oc] / l->scale;
        cr_assert_eq(an_q_quantize_multiplier(M, &l->mult[oc], &sh), AN_OK);
        l->shift[oc] = sh;
    }
}

/* A conv of `groups` channel groups (1: ordinary; the input's channels:
** depthwise); the input's and oc channels must be multiples of groups. */
static inline an_q_layer *tq_conv_g(an_q_graph *g, int in, int oc, int k, int s, int same,
                                    int groups, int act, an_rng *r) {
    const an_tensor t = an_q_tensor_info(g, in);
    an_q_layer *l = tq_push(g, AN_Q_CONV2D, in);
    l->kh = l->kw = k, l->sh = l->sw = s;
    l->h = tq_out(t.h, k, s, same), l->w = tq_out(t.w, k, s, same), l->c = oc;
    l->pt = tq_pad(t.h, k, s, same), l->pl = tq_pad(t.w, k, s, same);
    l->groups = groups;
    l->k = k * k * (t.c / groups);
    tq_fill_linear(g, l, r, act);
    return l;
}

static inline an_q_layer *tq_conv(an_q_graph *g, int in, int oc, int k, int s, int same, int act,
                                  an_rng *r) {
    return tq_conv_g(g, in, oc, k, s, same, 1, act, r);
}

static inline an_q_layer *tq_dense(an_q_graph *g, int in, int n, int act, an_rng *r) {
    an_q_layer *l = tq_push(g, AN_Q_DENSE, in);
    l->h = l->w = 1, l->c = n;
    l->k = (int32_t)an_q_tensor_size(g, in);
    tq_fill_linear(g, l, r, act);
    return l;
}

static inline an_q_layer *tq_pool(an_q_graph *g, an_q_op op, int in, int k, int s, int same) {
    const an_tensor t = an_q_tensor_info(g, in);
    an_q_layer *l = tq_push(g, op, in);
    l->kh = l->kw = k, l->sh = l->sw = s;
    l->h = tq_out(t.h, k, s, same), l->w = tq_out(t.w, k, s, same), l->c = t.c;
    l->pt = tq_pad(t.h, k, s, same), l->pl = tq_pad(t.w, k, s, same);
    l->scale = t.scale, l->zero_point = t.zero_point;
    return l;
}

static inline an_q_layer *tq_flatten(an_q_graph *g, int in) {
    const an_tensor t = an_q_tensor_info(g, in);
    an_q_layer *l = tq_push(g, AN_Q_FLATTEN, in);
    l->h = l->w = 1, l->c = t.h * t.w * t.c;
    l->scale = t.scale, l->zero_point = t.zero_point;
    return l;
}

static inline an_q_layer *tq_add(an_q_graph *g, int a, int b, int act, an_rng *r) {
    const an_tensor ta = an_q_tensor_info(g, a), tb = an_q_tensor_info(g, b);
    an_q_layer *l = tq_push(g, AN_Q_ADD, a);
    l->in[1] = b;
    l->h = ta.h, l->w = ta.w, l->c = ta.c;
    l->scale = 0.03f + 0.05f * an_rng_uniform(r);
    l->zero_point = act ? -128 : (int)an_rng_below(r, 40) - 20;
    if (act) l->act_min = l->zero_point;
    const double twice = 2 * fmax(ta.scale, tb.scale);
    const double real[3] = {ta.scale / twice, tb.scale / twice,
                            twice / ((double)(1 << AN_Q_ADD_LEFT_SHIFT) * l->scale)};
    for (int j = 0; j < 3; j++) {
        int sh;
        cr_assert_eq(an_q_quantize_multiplier(real[j], &l->add_mult[j], &sh), AN_OK);
        l->add_shift[j] = sh;
    }
    return l;
}

static inline void tq_random_input(int8_t *x, int64_t n, an_rng *r) {
    for (int64_t i = 0; i < n; i++) x[i] = (int8_t)((int)an_rng_below(r, 256) - 128);
}

/* g's .q8 file image in *q8 (malloc'd, *n bytes), through a temporary file. */
static inline void tq_q8_image(const an_q_graph *g, char **q8, size_t *n) {
    char path[] = "/tmp/asicnn-q8-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(an_q8_save(path, g), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_read_file(path, 1 << 24, q8, n), AN_OK);
    unlink(path);
}

#endif /* ASICNN_TEST_QUANT_UTIL_H */
