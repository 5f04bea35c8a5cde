/*
** The GPU backend: every op bit-exact with the reference engine on random
** graphs (skipped when there is no CUDA device, e.g. in CI), and the
** roofline + launch model's arithmetic.
*/
#include "asicnn/gpu.h"
#include "test_quant_util.h"

#include <criterion/criterion.h>

/* The seed CNN's shape and a residual graph with every op. */
static void build(an_q_graph *g, int which, an_rng *r) {
    if (which == 0) {
        tq_graph(g, 7, 28, 28, 1, 1.0f / 255.0f, -128);
        tq_conv(g, 0, 32, 3, 1, 0, 1, r);
        tq_pool(g, AN_Q_MAXPOOL, 1, 2, 2, 0);
        tq_conv(g, 2, 64, 3, 1, 0, 1, r);
        tq_pool(g, AN_Q_MAXPOOL, 3, 2, 2, 0);
        tq_flatten(g, 4);
        tq_dense(g, 5, 64, 1, r);
        tq_dense(g, 6, 10, 0, r);
        return;
    }
    tq_graph(g, 8, 11, 9, 3, 0.03f, 5);
    tq_conv(g, 0, 8, 3, 2, 1, 2, r);      /* 1 */
    tq_conv(g, 1, 8, 3, 1, 1, 1, r);      /* 2 */
    tq_add(g, 1, 2, 1, r);                /* 3 */
    tq_pool(g, AN_Q_AVGPOOL, 3, 3, 2, 1); /* 4 */
    tq_pool(g, AN_Q_MAXPOOL, 4, 2, 1, 1); /* 5 */
    tq_flatten(g, 5);                     /* 6 */
    tq_dense(g, 6, 7, 0, r);              /* 7 */
}

Test(gpu, bit_exact_with_reference) {
    if (an_gpu_device_count() < 1) cr_skip_test("no CUDA device (built: %d)", an_gpu_built());
    for (int which = 0; which < 2; which++) {
        an_rng r;
        an_rng_seed(&r, 7 + which, 1);
        an_q_graph g;
        build(&g, which, &r);
        const int B = 5;
        const int64_t F = an_q_tensor_size(&g, 0), N = an_q_tensor_size(&g, g.n_layers);
        int8_t *x = malloc((size_t)(B * F)), *y = malloc((size_t)(B * N));
        tq_random_input(x, B * F, &r);
        an_gpu *gp = NULL;
        an_q_engine *e = NULL;
        cr_assert_eq(an_gpu_create(&gp, &g, B), AN_OK, "%s", an_errmsg());
        cr_assert_eq(an_q_engine_create(&e, &g, B, AN_Q_IMPL_REF), AN_OK);
        double ms = -1;
        cr_assert_eq(an_gpu_run(gp, x, B, y, &ms), AN_OK, "%s", an_errmsg());
        cr_expect(ms >= 0);
        cr_expect_arr_eq(y, an_q_engine_run(e, x, B), (size_t)(B * N), "graph %d", which);
        an_q_engine_free(e);
        an_gpu_free(gp);
        free(x);
        free(y);
        an_q_graph_free(&g);
    }
}

Test(gpu, no_device_fails_cleanly) {
    if (an_gpu_device_count() > 0) cr_skip_test("a CUDA device is present");
    an_rng r;
    an_rng_seed(&r, 1, 1);
    an_q_graph g;
    build(&g, 0, &r);
    an_gpu *gp = (an_gpu *)&g;
    cr_expect_eq(an_gpu_create(&gp, &g, 4), AN_ERR_UNSUPPORTED);
    cr_expect_null(gp);
    cr_expect_neq(an_errmsg()[0], 0);
    an_q_graph_free(&g);
}

Test(gpu, roofline_model) {
    an_rng r;
    an_rng_seed(&r, 1, 1);
    an_q_graph g;
    build(&g, 0, &r);
    const an_gpu_spec s = an_gpu_h100_sxm();
    const an_gpu_estimate e1 = an_gpu_model(&g, 1, &s), e64 = an_gpu_model(&g, 64, &s);
    cr_expect_eq(e1.kernels, 7);
    cr_expect_float_eq(e1.latency_us, e1.roof_us + 7 * 5.0, 1e-9);
    cr_expect_float_eq(e1.energy_uj, 700.0 * e1.latency_us, 1e-9);
    cr_expect_float_eq(e64.ops, 64 * e1.ops, 1e-6);
    cr_expect(e64.roof_us > e1.roof_us);
    /* launch bound at batch 1: the launches dominate the roofline time */
    cr_expect(e1.roof_us < 1.0);
    an_q_graph_free(&g);
}
