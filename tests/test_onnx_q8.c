/*
** Int8 ONNX tests: an int8 graph (the PyTorch resnet and seed CNN fixtures
** imported, calibrated on the fixture inputs and quantized) exported as QDQ
** ONNX and imported again gives back every integer of the graph and the
** same int8 outputs; malformed QDQ models are rejected with the node named.
*/
#include "asicnn/onnx.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIX ASICNN_TEST_DIR "/fixtures/onnx/"

/* Quantize the fixture model with ranges observed on random inputs. */
static void quantized(const char *name, an_q_graph *g) {
    char path[512];
    snprintf(path, sizeof path, FIX "%s.onnx", name);
    an_onnx_model om;
    cr_assert_eq(an_onnx_import(path, NULL, &om), AN_OK, "%s", an_errmsg());
    an_model *m = &om.model;
    const int B = 8;
    const int64_t F = an_node_size(&m->nodes[0]);
    float *x = malloc(sizeof(float) * (size_t)(B * F));
    an_rng r;
    an_rng_seed(&r, 7, 1);
    for (int64_t i = 0; i < B * F; i++) x[i] = an_rng_uniform(&r);
    an_exec *e;
    cr_assert_eq(an_exec_create(&e, m, B, 0), AN_OK);
    an_exec_forward(e, x, B, 0, 0);
    an_calib_range *rg = calloc((size_t)m->n_nodes, sizeof *rg);
    for (int i = 0; i < m->n_nodes; i++) {
        const float *o = i ? an_exec_node_output(e, i) : x;
        for (int64_t k = 0; k < B * an_node_size(&m->nodes[i]); k++)
            rg[i].lo = fminf(rg[i].lo, o[k]), rg[i].hi = fmaxf(rg[i].hi, o[k]);
    }
    an_norm norm = {.mode = AN_NORM_SCALE255};
    cr_assert_eq(an_quantize(m, &norm, rg, g), AN_OK, "%s", an_errmsg());
    an_exec_free(e);
    free(rg);
    free(x);
    an_onnx_model_free(&om);
}

#define SAME(field, n)                                                                             \
    cr_assert(memcmp(a->field, b->field, sizeof *a->field *(size_t)(n)) == 0, "%s: %s differs",    \
              a->name, #field)

static void round_trip(an_q_graph g) {
    uint8_t *buf;
    size_t n;
    cr_assert_eq(an_onnx_export_q8_buffer(&g, &buf, &n), AN_OK, "%s", an_errmsg());
    an_onnx_model back;
    cr_assert_eq(an_onnx_import_buffer(buf, n, "q.onnx", NULL, &back), AN_OK, "%s", an_errmsg());
    free(buf);
    cr_assert_eq(back.kind, AN_ONNX_INT8);
    const an_q_graph *h = &back.qgraph;
    cr_assert_eq(h->n_layers, g.n_layers);
    cr_assert_eq(h->input.scale, g.input.scale);
    cr_assert_eq(h->input.zero_point, g.input.zero_point);
    cr_assert_eq(h->input.in_mul[0], g.input.in_mul[0]);
    cr_assert_eq(h->input.in_add[0], g.input.in_add[0]);
    for (int i = 0; i < g.n_layers; i++) {
        const an_q_layer *a = &g.layers[i], *b = &h->layers[i];
        cr_assert_eq(a->op, b->op, "layer %d", i);
        cr_assert(a->in[0] == b->in[0] && a->in[1] == b->in[1] && a->h == b->h && a->w == b->w &&
                      a->c == b->c && a->kh == b->kh && a->kw == b->kw && a->sh == b->sh &&
                      a->sw == b->sw && a->pt == b->pt && a->pl == b->pl && a->groups == b->groups,
                  "%s: geometry differs", a->name);
        cr_assert(a->scale == b->scale && a->zero_point == b->zero_point, "%s: qparams", a->name);
        cr_assert(a->act_min == b->act_min && a->act_max == b->act_max,
                  "%s: clamp %d..%d vs %d..%d", a->name, a->act_min, a->act_max, b->act_min,
                  b->act_max);
        if (a->op == AN_Q_CONV2D || a->op == AN_Q_DENSE) {
            cr_assert_eq(a->k, b->k);
            SAME(weights, a->c * a->k);
            SAME(bias, a->c);
            SAME(mult, a->c);
            SAME(shift, a->c);
            SAME(w_scale, a->c);
        }
        if (a->op == AN_Q_ADD) {
            SAME(add_mult, 3);
            SAME(add_shift, 3);
        }
    }
    /* the same int8 outputs */
    const int B = 4;
    const int64_t F = (int64_t)g.input.h * g.input.w * g.input.c;
    int8_t *q = malloc((size_t)(B * F));
    for (int64_t i = 0; i < B * F; i++) q[i] = (int8_t)((i * 37) % 256 - 128);
    an_q_engine *e1, *e2;
    cr_assert_eq(an_q_engine_create(&e1, &g, B, AN_Q_IMPL_REF), AN_OK);
    cr_assert_eq(an_q_engine_create(&e2, h, B, AN_Q_IMPL_REF), AN_OK);
    const an_q_layer *last = &g.layers[g.n_layers - 1];
    const int8_t *y1 = an_q_engine_run(e1, q, B), *y2 = an_q_engine_run(e2, q, B);
    cr_assert(memcmp(y1, y2, (size_t)B * last->h * last->w * last->c) == 0);
    an_q_engine_free(e1);
    an_q_engine_free(e2);
    free(q);
    an_onnx_model_free(&back);
    an_q_graph_free(&g);
}

static void round_trip_fixture(const char *name) {
    an_q_graph g;
    quantized(name, &g);
    round_trip(g);
}

Test(onnx_q8, qdq_round_trip_seed_cnn) {
    round_trip_fixture("seed_cnn");
}

Test(onnx_q8, qdq_round_trip_depthwise_and_grouped) {
    round_trip_fixture("mobile");
}

Test(onnx_q8, qdq_round_trip_resnet_add_relu6_pools) {
    round_trip_fixture("resnet");
}

/* QOperator form: integers taken as they are, OIHW -> OHWI, zero point of
** the input folded into the bias; then QDQ export and back. */
Test(onnx_q8, qoperator_qlinearconv_qlinearmatmul) {
    an_onnx_model om;
    cr_assert_eq(an_onnx_import(FIX "qop_tiny.onnx", NULL, &om), AN_OK, "%s", an_errmsg());
    cr_assert_eq(om.kind, AN_ONNX_INT8);
    const an_q_graph *g = &om.qgraph;
    cr_assert_eq(g->n_layers, 4);
    const an_q_op ops[4] = {AN_Q_CONV2D, AN_Q_MAXPOOL, AN_Q_FLATTEN, AN_Q_DENSE};
    for (int i = 0; i < 4; i++) cr_assert_eq(g->layers[i].op, ops[i]);
    const an_q_layer *c = &g->layers[0], *d = &g->layers[3];
    cr_assert(c->h == 4 && c->w == 4 && c->c == 3 && c->pt == 1 && c->sh == 2);
    cr_assert(c->zero_point == -100 && c->scale == 0.05f && d->zero_point == 3);
    cr_assert(c->w_scale[0] == 0.01f && c->w_scale[2] == 0.03f);
    cr_assert(g->input.in_mul[0] == 1.0f && g->input.in_add[0] == -128.0f);
    /* bias = b - in_zp * sum(w): dense has no bias, so -(-100) * sum(w[m]) */
    for (int m = 0; m < 2; m++) {
        int32_t sum = 0;
        for (int k = 0; k < 12; k++) sum += d->weights[m * 12 + k];
        cr_assert_eq(d->bias[m], 100 * sum);
    }
    an_q_graph copy = *g;
    om.qgraph = (an_q_graph){0};
    an_onnx_model_free(&om);
    round_trip(copy);
}
