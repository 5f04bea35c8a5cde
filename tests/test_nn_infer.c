/*
** The fast float inference path (an_f_engine) against the reference
** forward (an_exec in inference mode): on the project's models (random
** weights) and on specs that reach every op, fused ReLU, padding, stride,
** every tile width and row tail, each dispatch path this CPU runs (the
** others must refuse), batches run one sample at a time and spread over
** threads. Outputs must agree within a tight relative tolerance: only the
** summation order differs.
*/
#include "asicnn/nn.h"
#include "leakcheck.h"
#include "nn/kernels.h" /* nn_set_threads */

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

/* Largest |fast - ref| allowed, relative to the largest |ref| of a sample. */
#define REL_TOL 2e-5

/* Random running statistics for every batchnorm, so that they matter. */
static void randomize_bn(an_model *m, an_rng *r) {
    for (int i = 0; i < m->n_nodes; i++) {
        const an_node *n = &m->nodes[i];
        if (n->op != AN_OP_BATCHNORM) continue;
        for (int c = 0; c < n->c; c++) {
            m->params[n->rm_off + c] = 0.5f * an_rng_normal(r);
            m->params[n->rv_off + c] = 0.5f + an_rng_uniform(r);
            m->params[n->w_off + c] = 1.0f + 0.3f * an_rng_normal(r);
            m->params[n->b_off + c] = 0.3f * an_rng_normal(r);
        }
    }
}

/* Every fast impl against the reference on model m at batch B with the
** given team size. */
static void expect_close(an_model *m, int B, int threads) {
    nn_set_threads(threads);
    const int64_t F = an_node_size(&m->nodes[0]), N = an_node_size(&m->nodes[m->output]);
    an_rng r;
    an_rng_seed(&r, (uint64_t)B, 5);
    float *x = malloc((size_t)(B * F) * sizeof *x); /* [B, F] */
    for (int64_t i = 0; i < B * F; i++) x[i] = an_rng_normal(&r);
    an_f_engine *ref;
    cr_assert_eq(an_f_engine_create(&ref, m, B, AN_F_IMPL_REF), AN_OK, "%s", an_errmsg());
    const float *want = an_f_engine_run(ref, x, B); /* [B, N] */
    for (int impl = AN_F_IMPL_FAST; impl < AN_F_IMPL_COUNT; impl++) {
        an_f_engine *fast;
        if (!an_f_fast_path((an_f_impl)impl)) {
            cr_assert_eq(an_f_engine_create(&fast, m, B, (an_f_impl)impl), AN_ERR_UNSUPPORTED);
            continue;
        }
        cr_assert_eq(an_f_engine_create(&fast, m, B, (an_f_impl)impl), AN_OK, "%s", an_errmsg());
        const float *got = an_f_engine_run(fast, x, B); /* [B, N] */
        for (int b = 0; b < B; b++) {
            double scale = 0;
            for (int64_t j = 0; j < N; j++) scale = fmax(scale, fabs(want[b * N + j]));
            for (int64_t j = 0; j < N; j++) {
                const double d = fabs((double)got[b * N + j] - want[b * N + j]);
                cr_assert(d <= REL_TOL * scale + 1e-30,
                          "%s: %s path (%s), batch %d, %d threads: sample %d output %lld is %g, "
                          "the reference %g",
                          m->source, AN_F_IMPL_NAME[impl], an_f_fast_path((an_f_impl)impl), B,
                          threads, b, (long long)j, got[b * N + j], want[b * N + j]);
            }
        }
        an_f_engine_free(fast);
    }
    an_f_engine_free(ref);
    free(x);
}

static void check_model_at(an_model *m, const int *batches, int n) {
    an_rng r;
    an_rng_seed(&r, 11, 3);
    an_model_init_params(m, 7);
    for (int64_t i = 0; i < m->n_params; i++) /* nonzero biases too */
        m->params[i] += 0.05f * an_rng_normal(&r);
    randomize_bn(m, &r);
    for (int i = 0; i < n; i++)
        for (int t = 1; t <= 2; t++) expect_close(m, batches[i], t);
}

static void check_model(an_model *m) {
    const int batches[] = {1, 3, 64};
    check_model_at(m, batches, 3);
}

static void check_file(const char *name) {
    char path[512];
    snprintf(path, sizeof path, ASICNN_TEST_DIR "/../models/%s.model", name);
    an_model m;
    cr_assert_eq(an_model_load_spec(path, &m), AN_OK, "%s", an_errmsg());
    check_model(&m);
    an_model_free(&m);
}

static void check_spec(const char *spec) {
    an_model m;
    cr_assert_eq(an_model_parse(spec, "spec", &m), AN_OK, "%s", an_errmsg());
    check_model(&m);
    an_model_free(&m);
}

TestSuite(nn_infer, .fini = leakcheck);

Test(nn_infer, seed_cnn) {
    check_file("seed_cnn");
}
Test(nn_infer, lenet5) {
    check_file("lenet5");
}
Test(nn_infer, resnet_small) {
    check_file("resnet_small");
}
Test(nn_infer, vgg_small) {
    check_file("vgg_small");
}
Test(nn_infer, seed_mlp) {
    check_file("seed_mlp");
}

/* Channel counts on every tile width and its tail (5, 17, 33, 70, 100),
** strides, explicit and same padding, pointwise convs, standalone and
** fused relu / relu6, batchnorm, dropout, both pools and a residual add. */
Test(nn_infer, every_op) {
    check_spec("input 19x23x3\n"
               "conv2d 17 3x3 stride=2 same relu6 name=a\n"
               "batchnorm\n"
               "relu\n"
               "conv2d 33 1x1\n"
               "relu6\n"
               "conv2d 17 3x5 pad=2,1,0,1\n"
               "maxpool2d 3x3 stride=2 same\n"
               "conv2d 70 1x1 stride=2\n"
               "avgpool2d 2x2 same\n"
               "conv2d 5 2x2 same name=b\n"
               "conv2d 5 1x1 relu\n"
               "add b\n"
               "relu\n"
               "flatten\n"
               "dropout 0.3\n"
               "dense 100 relu\n"
               "batchnorm\n"
               "dense 33 relu6\n"
               "dense 7\n");
}

/* Grouped and depthwise convs (nn_gconv2d_rows): multiplier 1 and 2,
** strides, padding, fused relu6, and a sample large enough to split its
** rows over the team. */
Test(nn_infer, grouped_and_depthwise) {
    check_spec("input 15x17x6\n"
               "depthwise_conv2d 3x3 same relu6 name=a\n"
               "conv2d 12 3x3 stride=2 pad=1,0,1,1 groups=3\n"
               "relu6\n"
               "conv2d 24 3x3 same groups=12 relu\n"
               "depthwise_conv2d 2x2 stride=2\n"
               "flatten\n"
               "dense 5\n");
    an_model m;
    cr_assert_eq(an_model_parse("input 64x64x64\ndepthwise_conv2d 3x3 same relu6\n"
                                "conv2d 128 3x3 same groups=8 relu\nmaxpool2d 8x8\nflatten\n"
                                "dense 10\n",
                                "spec", &m),
                 AN_OK, "%s", an_errmsg());
    const int batches[] = {1, 3};
    check_model_at(&m, batches, 2);
    an_model_free(&m);
}

/* A sample large enough (over 16M MACs) that fewer samples than threads
** split each step's rows over the team. */
Test(nn_infer, large_sample_split) {
    an_model m;
    cr_assert_eq(an_model_parse("input 40x40x16\nconv2d 64 3x3 same relu\nconv2d 24 3x3\n"
                                "maxpool2d 2x2\nconv2d 8 1x1\nflatten\ndense 10\n",
                                "spec", &m),
                 AN_OK, "%s", an_errmsg());
    const int batches[] = {1};
    check_model_at(&m, batches, 1);
    an_model_free(&m);
}

/* A model whose output is its input reshaped: nothing to compute. */
Test(nn_infer, no_compute) {
    check_spec("input 3x4x2\nflatten\ndropout 0.5\n");
}

/* The engine packs the weights it is made with: later changes do not
** reach it, a new engine sees them. */
Test(nn_infer, packs_at_creation) {
    an_model m;
    cr_assert_eq(an_model_parse("input 1x1x4\ndense 3\n", "spec", &m), AN_OK);
    an_model_init_params(&m, 1);
    const float x[4] = {1, 2, 3, 4};
    an_f_engine *e;
    cr_assert_eq(an_f_engine_create(&e, &m, 1, AN_F_IMPL_FAST), AN_OK);
    const float before = an_f_engine_run(e, x, 1)[0];
    m.params[m.nodes[1].b_off] += 1.0f;
    cr_assert_float_eq(an_f_engine_run(e, x, 1)[0], before, 1e-6);
    an_f_engine *e2;
    cr_assert_eq(an_f_engine_create(&e2, &m, 1, AN_F_IMPL_FAST), AN_OK);
    cr_assert_float_eq(an_f_engine_run(e2, x, 1)[0], before + 1.0f, 1e-5);
    an_f_engine_free(e);
    an_f_engine_free(e2);
    an_model_free(&m);
}

Test(nn_infer, bad_arguments) {
    an_model m;
    cr_assert_eq(an_model_parse("input 1x1x4\ndense 3\n", "spec", &m), AN_OK);
    an_f_engine *e;
    cr_assert_eq(an_f_engine_create(&e, &m, 0, AN_F_IMPL_FAST), AN_ERR_RANGE);
    cr_assert_eq(an_f_engine_create(&e, &m, 1, AN_F_IMPL_COUNT), AN_ERR_RANGE);
    cr_assert_null(an_f_fast_path(AN_F_IMPL_REF));
    cr_assert_not_null(an_f_fast_path(AN_F_IMPL_FAST));
    cr_assert_str_eq(an_f_fast_path(AN_F_IMPL_FAST_SCALAR), "scalar");
    an_model_free(&m);
}
