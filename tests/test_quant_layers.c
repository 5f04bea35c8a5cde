/*
** Each int8 layer of the reference engine against a float64 reference of
** the dequantized computation: dequantize the int8 input and parameters,
** compute in double (padding is a real 0), quantize the result with
** round-to-nearest and clamp. The engine's fixed-point requantization may
** differ from that by at most 1 LSB (double rounding, multiplier rounding);
** max pooling must be exact.
*/
#include "test_quant_util.h"
#include "leakcheck.h"

/* Quantize a real value to the layer's output grid and clamp. */
static int qout(const an_q_layer *l, double real) {
    double q = round(real / l->scale) + l->zero_point;
    return (int)fmin(fmax(q, l->act_min), l->act_max);
}

/* Run graph g (batch 1) on x through the reference engine; returns tensor t. */
static const int8_t *run_ref(const an_q_graph *g, const int8_t *x, an_q_engine **e) {
    cr_assert_eq(an_q_graph_validate(g), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_q_engine_create(e, g, 1, AN_Q_IMPL_REF), AN_OK, "%s", an_errmsg());
    return an_q_engine_run(*e, x, 1);
}

static void check_conv(int H, int C, int OC, int k, int s, int same, int act, uint64_t seed) {
    an_rng r;
    an_rng_seed(&r, seed, 1);
    an_q_graph g;
    tq_graph(&g, 1, H, H + 1, C, 0.01f + 0.02f * an_rng_uniform(&r),
             (int)an_rng_below(&r, 100) - 50);
    an_q_layer *l = tq_conv(&g, 0, OC, k, s, same, act, &r);
    const an_tensor in = an_q_tensor_info(&g, 0);
    int8_t *x = malloc((size_t)an_q_tensor_size(&g, 0)); /* [H, W, C] */
    tq_random_input(x, an_q_tensor_size(&g, 0), &r);
    an_q_engine *e;
    const int8_t *y = run_ref(&g, x, &e); /* [OH, OW, OC] */
    int max_diff = 0;
    for (int oy = 0; oy < l->h; oy++)
        for (int ox = 0; ox < l->w; ox++)
            for (int oc = 0; oc < OC; oc++) {
                int64_t wsum = 0;
                for (int k2 = 0; k2 < l->k; k2++) wsum += l->weights[(int64_t)oc * l->k + k2];
                /* real bias: the folded integer bias unfolded, at scale s_x s_w */
                double acc = (double)in.scale * l->w_scale[oc] *
                             ((double)l->bias[oc] + (double)in.zero_point * wsum);
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy * s - l->pt + ky, ix = ox * s - l->pl + kx;
                        if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue; /* real 0 */
                        for (int c = 0; c < C; c++) {
                            double xr = in.scale * (x[(iy * in.w + ix) * C + c] - in.zero_point);
                            double wr = (double)l->w_scale[oc] *
                                        l->weights[(int64_t)oc * l->k + (ky * k + kx) * C + c];
                            acc += xr * wr;
                        }
                    }
                int want = qout(l, acc), got = y[(oy * l->w + ox) * OC + oc];
                int d = abs(want - got);
                if (d > max_diff) max_diff = d;
                cr_assert(d <= 1, "conv (%d,%d,%d): int8 %d, float64 %d", oy, ox, oc, got, want);
            }
    an_q_engine_free(e);
    free(x);
    an_q_graph_free(&g);
}

TestSuite(quant_layers, .fini = leakcheck);

Test(quant_layers, conv2d_valid_same_strided_relu) {
    check_conv(9, 3, 5, 3, 1, 0, 0, 1);
    check_conv(9, 3, 5, 3, 1, 1, 1, 2);  /* same padding (zero-point padding), relu */
    check_conv(10, 4, 7, 3, 2, 1, 2, 3); /* stride 2, relu6 */
    check_conv(8, 1, 32, 3, 1, 0, 1, 4); /* the seed's first layer shape */
    check_conv(7, 17, 3, 1, 1, 0, 0, 5); /* 1x1, K not a multiple of 16 */
    check_conv(6, 2, 4, 5, 3, 1, 0, 6);  /* window larger than stride, asymmetric pad */
}

Test(quant_layers, dense) {
    for (int t = 0; t < 4; t++) {
        an_rng r;
        an_rng_seed(&r, 10 + t, 1);
        an_q_graph g;
        tq_graph(&g, 1, 1, 1, 37 + 50 * t, 0.02f, (int)an_rng_below(&r, 256) - 128);
        an_q_layer *l = tq_dense(&g, 0, 10 + t, t & 1, &r);
        const an_tensor in = an_q_tensor_info(&g, 0);
        int8_t x[200];
        tq_random_input(x, l->k, &r);
        an_q_engine *e;
        const int8_t *y = run_ref(&g, x, &e);
        for (int n = 0; n < l->c; n++) {
            double acc = 0;
            int64_t wsum = 0;
            for (int k = 0; k < l->k; k++) {
                wsum += l->weights[(int64_t)n * l->k + k];
                acc += in.scale * (x[k] - in.zero_point) * (double)l->w_scale[n] *
                       l->weights[(int64_t)n * l->k + k];
            }
            acc += (double)in.scale * l->w_scale[n] * ((double)l->bias[n] + in.zero_point * wsum);
            cr_assert(abs(qout(l, acc) - y[n]) <= 1, "dense %d: %d vs %d", n, y[n], qout(l, acc));
        }
        an_q_engine_free(e);
        an_q_graph_free(&g);
    }
}

static void check_pool(an_q_op op, int H, int C, int k, int s, int same, uint64_t seed) {
    an_rng r;
    an_rng_seed(&r, seed, 2);
    an_q_graph g;
    tq_graph(&g, 1, H, H, C, 0.05f, -7);
    an_q_layer *l = tq_pool(&g, op, 0, k, s, same);
    int8_t *x = malloc((size_t)an_q_tensor_size(&g, 0));
    tq_random_input(x, an_q_tensor_size(&g, 0), &r);
    an_q_engine *e;
    const int8_t *y = run_ref(&g, x, &e);
    for (int oy = 0; oy < l->h; oy++)
        for (int ox = 0; ox < l->w; ox++)
            for (int c = 0; c < C; c++) {
                double best = -INFINITY, sum = 0;
                int cnt = 0;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy * s - l->pt + ky, ix = ox * s - l->pl + kx;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= H) continue; /* ignored */
                        double v = l->scale * (x[(iy * H + ix) * C + c] - l->zero_point);
                        best = fmax(best, v), sum += v, cnt++;
                    }
                int got = y[(oy * l->w + ox) * C + c];
                if (op == AN_Q_MAXPOOL) {
                    cr_assert_eq(got, qout(l, best), "maxpool must be exact");
                } else {
                    /* the mean of grid values: off the grid only by the rounding */
                    cr_assert(abs(got - qout(l, sum / cnt)) <= 1, "avgpool %d vs %d", got,
                              qout(l, sum / cnt));
                }
            }
    an_q_engine_free(e);
    free(x);
    an_q_graph_free(&g);
}

Test(quant_layers, maxpool_exact) {
    check_pool(AN_Q_MAXPOOL, 8, 3, 2, 2, 0, 1);
    check_pool(AN_Q_MAXPOOL, 7, 5, 3, 2, 1, 2);
    check_pool(AN_Q_MAXPOOL, 5, 2, 3, 1, 1, 3);
}

Test(quant_layers, avgpool) {
    check_pool(AN_Q_AVGPOOL, 8, 3, 2, 2, 0, 4);
    check_pool(AN_Q_AVGPOOL, 7, 5, 3, 2, 1, 5); /* border windows divide by valid cells */
    check_pool(AN_Q_AVGPOOL, 6, 4, 3, 3, 0, 6);
}

/* avgpool rounding is half away from zero: (-3 + -2) / 2 = -2.5 -> -3; 5/2 -> 3 */
Test(quant_layers, avgpool_rounding_ties) {
    an_q_graph g;
    tq_graph(&g, 1, 1, 2, 2, 0.1f, 0);
    tq_pool(&g, AN_Q_AVGPOOL, 0, 1, 1, 0)->kw = 2;
    g.layers[0].w = 1;
    g.layers[0].sw = 2;
    int8_t x[4] = {-3, 2, -2, 3}; /* [1, 2, 2]: channel 0 {-3, -2}, channel 1 {2, 3} */
    an_q_engine *e;
    const int8_t *y = run_ref(&g, x, &e);
    cr_assert_eq(y[0], -3);
    cr_assert_eq(y[1], 3);
    an_q_engine_free(e);
    an_q_graph_free(&g);
}

Test(quant_layers, add_and_relu) {
    for (int t = 0; t < 3; t++) {
        an_rng r;
        an_rng_seed(&r, 20 + t, 3);
        an_q_graph g;
        tq_graph(&g, 3, 5, 5, 3, 0.04f, 3);
        tq_conv(&g, 0, 4, 3, 1, 1, 0, &r);
        tq_conv(&g, 0, 4, 1, 1, 0, 0, &r);
        an_q_layer *l = tq_add(&g, 1, 2, t == 1, &r);
        int8_t x[75];
        tq_random_input(x, 75, &r);
        an_q_engine *e;
        run_ref(&g, x, &e);
        const int8_t *a = an_q_engine_tensor(e, 1), *b = an_q_engine_tensor(e, 2),
                     *y = an_q_engine_tensor(e, 3);
        const an_tensor ta = an_q_tensor_info(&g, 1), tb = an_q_tensor_info(&g, 2);
        for (int i = 0; i < 100; i++) {
            double real = ta.scale * (a[i] - ta.zero_point) + tb.scale * (b[i] - tb.zero_point);
            cr_assert(abs(y[i] - qout(l, real)) <= 1, "add %d: %d vs %d", i, y[i], qout(l, real));
        }
        an_q_engine_free(e);
        an_q_graph_free(&g);
    }
}

/* The input map: pixels scaled by 1/255 become q = p - 128 exactly. */
Test(quant_layers, input_map_pixels) {
    an_q_graph g;
    tq_graph(&g, 1, 1, 1, 256, 1.0f / 255.0f, -128);
    float x[256];
    int8_t q[256];
    for (int i = 0; i < 256; i++) x[i] = (float)i;
    an_q_quantize_input(&g, x, 1, q);
    for (int i = 0; i < 256; i++) cr_assert_eq(q[i], i - 128);
    an_q_graph_free(&g);
}
