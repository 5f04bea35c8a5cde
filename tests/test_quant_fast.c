/*
** The fast int8 paths (VNNI, AVX2 and scalar, each that this CPU runs)
** against the reference engine: every tensor of every sample must be equal
** byte for byte, on graphs covering every op, odd channel counts (every
** tail of the 16-channel blocks), padding, strides, more positions than one
** gathered block, output rows read straight from the padded image (at
** least 8 wide) and gathered (narrower), left shifts, and batches of one
** or spread over threads.
*/
#include "test_quant_util.h"
#include "leakcheck.h"

/* Every fast path this CPU runs (the best one, scalar, AVX2, VNNI) against
** the reference, tensor by tensor, on the B samples x (B = 1 spreads one
** sample's conv blocks over threads; B > 1 spreads the samples). */
static void expect_equal_on(const an_q_graph *g, int B, const int8_t *x) {
    cr_assert_eq(an_q_graph_validate(g), AN_OK, "%s", an_errmsg());
    an_q_engine *ref;
    cr_assert_eq(an_q_engine_create(&ref, g, B, AN_Q_IMPL_REF), AN_OK);
    an_q_engine_run(ref, x, B);
    for (int impl = AN_Q_IMPL_FAST; impl < AN_Q_IMPL_COUNT; impl++) {
        an_q_engine *fast;
        if (!an_q_fast_path((an_q_impl)impl)) {
            cr_assert_eq(an_q_engine_create(&fast, g, B, (an_q_impl)impl), AN_ERR_UNSUPPORTED);
            continue;
        }
        cr_assert_eq(an_q_engine_create(&fast, g, B, (an_q_impl)impl), AN_OK);
        an_q_engine_run(fast, x, B);
        for (int t = 1; t <= g->n_layers; t++) {
            const size_t n = (size_t)B * (size_t)an_q_tensor_size(g, t);
            cr_assert(memcmp(an_q_engine_tensor(ref, t), an_q_engine_tensor(fast, t), n) == 0,
                      "%s path (%s) differs from the reference at layer %d, batch %d",
                      AN_Q_IMPL_NAME[impl], an_q_fast_path((an_q_impl)impl), t - 1, B);
        }
        an_q_engine_free(fast);
    }
    an_q_engine_free(ref);
}

/* expect_equal_on B random samples drawn from seed. */
static void expect_equal_engines(const an_q_graph *g, int B, uint64_t seed) {
    an_rng r;
    an_rng_seed(&r, seed, 9);
    const int64_t F = an_q_tensor_size(g, 0);
    int8_t *x = malloc((size_t)(B * F)); /* [B, F] */
    tq_random_input(x, B * F, &r);
    expect_equal_on(g, B, x);
    free(x);
}

TestSuite(quant_fast, .fini = leakcheck);

Test(quant_fast, seed_cnn_shape) {
    an_rng r;
    an_rng_seed(&r, 1, 1);
    an_q_graph g;
    tq_graph(&g, 7, 28, 28, 1, 1.0f / 255.0f, -128);
    tq_conv(&g, 0, 32, 3, 1, 0, 1, &r);
    tq_pool(&g, AN_Q_MAXPOOL, 1, 2, 2, 0);
    tq_conv(&g, 2, 64, 3, 1, 0, 1, &r);
    tq_pool(&g, AN_Q_MAXPOOL, 3, 2, 2, 0);
    tq_flatten(&g, 4);
    tq_dense(&g, 5, 64, 1, &r);
    tq_dense(&g, 6, 10, 0, &r);
    expect_equal_engines(&g, 9, 1);
    an_q_graph_free(&g);
}

Test(quant_fast, every_op_odd_shapes) {
    for (int t = 0; t < 6; t++) {
        an_rng r;
        an_rng_seed(&r, 100 + t, 1);
        const int C = 1 + (int)an_rng_below(&r, 7), OC = 1 + (int)an_rng_below(&r, 13);
        an_q_graph g;
        tq_graph(&g, 8, 9 + t, 7 + t, C, 0.03f, (int)an_rng_below(&r, 256) - 128);
        tq_conv(&g, 0, OC, 3, 1 + t % 2, 1, t % 3, &r);        /* 1 */
        tq_conv(&g, 1, OC, 1, 1, 0, 0, &r);                    /* 2 */
        tq_add(&g, 1, 2, t & 1, &r);                           /* 3 */
        tq_pool(&g, AN_Q_AVGPOOL, 3, 3, 2, 1);                 /* 4 */
        tq_pool(&g, AN_Q_MAXPOOL, 4, 2, 1, t & 1);             /* 5 */
        tq_flatten(&g, 5);                                     /* 6 */
        tq_dense(&g, 6, 1 + (int)an_rng_below(&r, 40), 1, &r); /* 7 */
        tq_dense(&g, 7, 10, 0, &r);                            /* 8 */
        expect_equal_engines(&g, 1 + t * 3, 200 + t);
        an_q_graph_free(&g);
    }
}

/* Extreme values: every input at -128 or 127 and weights at +-127 push the
** accumulators to their largest magnitudes. */
Test(quant_fast, extreme_accumulators) {
    an_rng r;
    an_rng_seed(&r, 5, 5);
    an_q_graph g;
    tq_graph(&g, 2, 6, 6, 40, 0.05f, 127);
    an_q_layer *l = tq_conv(&g, 0, 6, 3, 1, 1, 0, &r);
    for (int64_t i = 0; i < (int64_t)l->c * l->k; i++) l->weights[i] = (i & 1) ? 127 : -127;
    tq_dense(&g, 1, 5, 0, &r);
    expect_equal_engines(&g, 4, 7);
    an_q_graph_free(&g);
}

/* Channel counts 1..70 (every tail of the 16-wide blocks and of the 4-block
** tiles), K not a multiple of 4, more than 64 positions, batch 1 and 3. */
Test(quant_fast, vnni_blocks_and_tails) {
    static const int OCS[] = {1, 15, 16, 17, 33, 48, 49, 64, 70};
    for (int t = 0; t < 9; t++) {
        an_rng r;
        an_rng_seed(&r, 300 + t, 1);
        an_q_graph g;
        tq_graph(&g, 4, 11, 13, 1 + t % 5, 0.04f, (int)an_rng_below(&r, 256) - 128);
        tq_conv(&g, 0, OCS[t], 3, 1, t & 1, t % 3, &r);
        tq_conv(&g, 1, OCS[8 - t], 1 + 2 * (t % 2), 1 + t % 2, 1, 1, &r);
        tq_flatten(&g, 2);
        tq_dense(&g, 3, OCS[t], 0, &r);
        expect_equal_engines(&g, 1, 400 + t);
        expect_equal_engines(&g, 3, 500 + t);
        an_q_graph_free(&g);
    }
}

/* Convs of 1..8 channels (run channels-as-positions on the VNNI path):
** every phase count (c / gcd(c, 16) = 1, 3, 5, 7), 1..3 input channels,
** strides 1 and 2, same and valid padding, 5x5 and 3x3 kernels, rows from
** 1 to 30 outputs wide (ending in every tail of a 16-lane vector), and
** LeNet-5's first layer with weights at +-127 on inputs at -128 and 127. */
Test(quant_fast, narrow_convs) {
    for (int t = 0; t < 16; t++) {
        an_rng r;
        an_rng_seed(&r, 1100 + t, 1);
        const int OC = 1 + t % 8, C = 1 + t % 3, k = t & 4 ? 3 : 5, s = 1 + (t / 8);
        const int w = 1 + (int)an_rng_below(&r, 30);
        an_q_graph g;
        tq_graph(&g, 4, 6 + t % 5, w + 4, C, 0.03f, (int)an_rng_below(&r, 256) - 128);
        tq_conv(&g, 0, OC, k, s, 1, t % 3, &r); /* 1 */
        tq_conv(&g, 1, 1 + t % 7, 3, 1, t & 1, 1, &r);
        tq_flatten(&g, 2);
        tq_dense(&g, 3, 10, 0, &r);
        expect_equal_engines(&g, 1, 1200 + t);
        expect_equal_engines(&g, 3, 1300 + t);
        an_q_graph_free(&g);
    }
    an_rng r;
    an_rng_seed(&r, 14, 1);
    an_q_graph g;
    tq_graph(&g, 3, 28, 28, 1, 1.0f / 255.0f, -128);
    an_q_layer *l = tq_conv(&g, 0, 6, 5, 1, 1, 1, &r);
    for (int64_t i = 0; i < (int64_t)l->c * l->k; i++) l->weights[i] = (i % 3) ? 127 : -127;
    tq_pool(&g, AN_Q_AVGPOOL, 1, 2, 2, 0);
    tq_flatten(&g, 2);
    an_rng_seed(&r, 15, 1);
    const int64_t F = 28 * 28;
    int8_t *x = malloc((size_t)F * 4);
    for (int64_t i = 0; i < F * 4; i++) x[i] = (int8_t)(an_rng_below(&r, 2) ? 127 : -128);
    expect_equal_on(&g, 4, x);
    free(x);
    an_q_graph_free(&g);
}

/* Average pooling with whole windows of 1, 4, 16 and 64 cells (row-wise
** on the VNNI path) and of 9 (per pixel), 1..20 channels (20 with stride
** 2 takes the per-pixel loop), strides 1 to 3, rows of 1 to 40 pixels (every
** tail of 32 outputs), on random inputs and on inputs at -128 and 127
** (sums at the ends, ties of the rounding). */
Test(quant_fast, avgpool_rows) {
    static const int K[] = {1, 2, 4, 8, 3};
    for (int t = 0; t < 20; t++) {
        an_rng r;
        an_rng_seed(&r, 1400 + t, 1);
        const int k = K[t % 5], s = 1 + t % 3, C = 1 + t;
        const int w = k + (int)an_rng_below(&r, 40);
        an_q_graph g;
        tq_graph(&g, 2, k + 1 + t % 4, w, C, 0.03f, 0);
        tq_pool(&g, AN_Q_AVGPOOL, 0, k, s, 0);
        tq_flatten(&g, 1);
        expect_equal_engines(&g, 2, 1500 + t);
        const int64_t n = 2 * an_q_tensor_size(&g, 0);
        int8_t *x = malloc((size_t)n);
        for (int64_t i = 0; i < n; i++) x[i] = (int8_t)(an_rng_below(&r, 2) ? 127 : -128);
        expect_equal_on(&g, 2, x);
        free(x);
        an_q_graph_free(&g);
    }
}

/* Requantization at the ends of the validator's ranges (multipliers 0,
** 2^30 and 2^31 - 1, right shifts 0 to 31, biases far from zero) and
** pooling of wide tensors (every tail of the 64-channel max and the
** 16-channel average blocks, windows cut by padding, inputs at -128 and
** 127 that push averages to the int8 ends). */
Test(quant_fast, requant_ends_and_wide_pools) {
    static const int32_t MULT[] = {0, 1 << 30, INT32_MAX, (1 << 30) + 12345};
    for (int t = 0; t < 4; t++) {
        an_rng r;
        an_rng_seed(&r, 900 + t, 1);
        const int C = 60 + 37 * t; /* 60, 97, 134, 171 */
        an_q_graph g;
        tq_graph(&g, 6, 7, 6, 3, 0.02f, (int)an_rng_below(&r, 256) - 128);
        an_q_layer *l = tq_conv(&g, 0, C, 3, 1, 1, t & 1, &r); /* 1 */
        for (int oc = 0; oc < C; oc++) {
            l->mult[oc] = MULT[(oc + t) % 4];
            l->shift[oc] = -(oc % 32);
            if (oc % 5 == 0) l->bias[oc] = (oc & 2 ? 1 : -1) * (int32_t)(2e8 + oc);
        }
        tq_pool(&g, AN_Q_MAXPOOL, 1, 3, 1, 1);     /* 2 */
        tq_pool(&g, AN_Q_AVGPOOL, 2, 3, 2, 1);     /* 3 */
        tq_pool(&g, AN_Q_AVGPOOL, 1, 2, 1, t & 1); /* 4 */
        tq_pool(&g, AN_Q_MAXPOOL, 4, 2, 2, 1);     /* 5 */
        tq_flatten(&g, 5);                         /* 6 */
        expect_equal_engines(&g, 1, 950 + t);
        expect_equal_engines(&g, 5, 960 + t);
        an_q_graph_free(&g);
    }
}

/* A left shift (multiplier above 1): the scalar requantization branch. */
Test(quant_fast, left_shift) {
    for (int w = 5; w <= 10; w += 5) { /* gathered rows, then direct rows */
        an_rng r;
        an_rng_seed(&r, 8, 8);
        an_q_graph g;
        tq_graph(&g, 2, 5, w, 3, 0.5f, 3);
        an_q_layer *l = tq_conv(&g, 0, 20, 3, 1, 1, 0, &r);
        for (int oc = 0; oc < l->c; oc++) {
            l->shift[oc] = 1 + oc % 3;
            l->bias[oc] /= 64;
        }
        for (int64_t i = 0; i < (int64_t)l->c * l->k; i++) l->weights[i] /= 16;
        tq_dense(&g, 1, 7, 0, &r);
        expect_equal_engines(&g, 2, 9);
        an_q_graph_free(&g);
    }
}

/* One sample large enough (about 9M MACs) for its conv blocks to be spread
** over threads. */
Test(quant_fast, one_sample_over_threads) {
    an_rng r;
    an_rng_seed(&r, 12, 1);
    an_q_graph g;
    tq_graph(&g, 2, 32, 32, 16, 0.02f, -5);
    tq_conv(&g, 0, 64, 3, 1, 1, 1, &r);
    tq_pool(&g, AN_Q_MAXPOOL, 1, 2, 2, 0);
    expect_equal_engines(&g, 1, 13);
    an_q_graph_free(&g);
}
