/*
** nn module tests: the spec parser (good specs, shapes, every error the
** seed's own listing would hit), whole-model gradients against finite
** differences (every layer type, a residual branch), training that lowers
** the loss, and checkpoints (round trip, corruption, mismatch).
*/
#include "asicnn/nn.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static an_status parse(const char *text, an_model *m) {
    return an_model_parse(text, "t.model", m);
}

/* Parse must fail with a message containing every fragment given. */
static void expect_error(const char *text, const char *frag1, const char *frag2) {
    an_model m;
    an_status s = parse(text, &m);
    cr_assert_neq(s, AN_OK, "spec should fail: %s", text);
    cr_assert(strstr(an_errmsg(), frag1), "message '%s' lacks '%s'", an_errmsg(), frag1);
    if (frag2) cr_assert(strstr(an_errmsg(), frag2), "message '%s' lacks '%s'", an_errmsg(), frag2);
}

TestSuite(spec, .fini = leakcheck);
TestSuite(model, .fini = leakcheck);
TestSuite(ckpt, .fini = leakcheck);

Test(spec, seed_cnn_shapes_params_macs) {
    an_model m;
    cr_assert_eq(an_model_load_spec(ASICNN_TEST_DIR "/../models/seed_cnn.model", &m), AN_OK, "%s",
                 an_errmsg());
    cr_assert_eq(m.n_nodes, 9);
    /* Keras: 320 + 18496 + 102464 + 650 = 121930 parameters */
    cr_assert_eq(m.n_params, 121930);
    const an_node *c2 = &m.nodes[3], *fl = &m.nodes[5];
    cr_assert_str_eq(c2->name, "conv2d_2");
    cr_assert_eq(c2->h, 11);
    cr_assert_eq(c2->c, 64);
    cr_assert_eq(fl->c, 1600);
    cr_assert_eq(an_node_macs(&m, c2), 11LL * 11 * 64 * 9 * 32);
    cr_assert_eq(m.cfg.optimizer, AN_OPTIM_ADAM);
    cr_assert_float_eq(m.cfg.lr, 0.001f, 1e-9);
    an_model_free(&m);
}

Test(spec, options_padding_stride_residual) {
    an_model m;
    cr_assert_eq(parse("input 9x9x3\n"
                       "conv2d 4 3x3 stride=2 same relu6 name=a\n"
                       "conv2d 4 3 same\n"
                       "add a\n"
                       "batchnorm\n"
                       "avgpool 2x2 stride=1\n"
                       "maxpool2d 3x3 same\n"
                       "flatten\n"
                       "dense 5\n"
                       "compile optimizer=sgd lr=0.1 momentum=0.9 nesterov=true decay=cosine "
                       "decay_steps=10\n",
                       &m),
                 AN_OK, "%s", an_errmsg());
    cr_assert_eq(m.nodes[1].h, 5); /* ceil(9 / 2) */
    cr_assert_eq(m.nodes[1].act, AN_ACT_RELU6);
    cr_assert_eq(m.nodes[3].inputs[1], 1);
    cr_assert_eq(m.nodes[5].h, 4);
    cr_assert_eq(m.nodes[6].h, 2); /* same, stride 3 */
    cr_assert_eq(m.cfg.optimizer, AN_OPTIM_SGD);
    cr_assert(m.cfg.nesterov);
    cr_assert_eq(m.cfg.decay, AN_DECAY_COSINE);
    /* running stats come after every trainable parameter */
    cr_assert_geq(m.nodes[4].rm_off, m.n_trainable);
    an_model_free(&m);
}

Test(spec, the_seeds_mistakes_get_helpful_errors) {
    /* the seed's listing forgets Flatten before Dense */
    expect_error("input 28x28x1\nconv2d 32 3x3 relu\nmaxpool2d 2x2\ndense 64 relu\n",
                 "t.model:4: dense_1", "add 'flatten'");
    /* and names an optimizer that does not exist */
    expect_error("input 4\ndense 3\ncompile optimizer=ms:ssim\n",
                 "t.model:3: unknown optimizer 'ms:ssim'", "valid: sgd, adam");
}

Test(spec, errors_name_the_line) {
    expect_error("input 28x28x1\nconvolution 3 3x3\n", "t.model:2: unknown layer 'convolution'",
                 "valid:");
    expect_error("conv2d 3 3x3\n", "t.model:1", "first layer must be 'input");
    expect_error("input 28x28x1\nconv2d 3\n", "t.model:2", "missing argument");
    expect_error("input 28x28x1\nconv2d 3 3x3 gelu\n", "t.model:2: unexpected 'gelu'", NULL);
    expect_error("input 28x28x1\nconv2d 3 3x3 activation=gelu\n", "unknown activation", NULL);
    expect_error("input 4x4x1\nconv2d 3 5x5\n", "conv2d_1", "larger than");
    expect_error("input 4x4x6\nconv2d 4 3x3 groups=4\n", "t.model:2", "groups=4 must divide");
    expect_error("input 4x4x6\nconv2d 4 3x3 groups=0\n", "t.model:2", "groups must be");
    expect_error("input 4x4x6\ndepthwise_conv2d 8 3x3\n", "t.model:2", "depthwise_conv2d KHxKW");
    expect_error("input 4x4x6\ndepthwise_conv2d 3x3 groups=2\n", "t.model:2", "unknown option");
    expect_error("input 4x4x6\ndense 4 groups=2\n", "t.model:2", "unknown option");
    expect_error("input 4x4x1\nconv2d 2 3x3 same name=x\nconv2d 3 3x3 same\nadd x\n",
                 "t.model:4: add_1", "shapes differ");
    expect_error("input 4x4x1\nadd nothere\n", "no layer of that name", NULL);
    expect_error("input 4\ndense 3\ncompile loss=mse\n", "unknown loss 'mse'", NULL);
    expect_error("input 4\ndense 3\ncompile lr=-1\n", "lr must be", NULL);
    expect_error("input 4\ndense 3\ncompile\ndense 2\n", "t.model:4", "nothing may follow");
    expect_error("input 4\ndropout 1.5\n", "t.model:2", "dropout RATE");
    expect_error("input 4\n", "at least one layer", NULL);
    expect_error("input 4x4x1\nconv2d 2 3x3 name=a\ndense 3 name=a\n", "used twice", NULL);
}

/* A small model with every layer type and a residual branch. */
static const char *GRAD_SPEC = "input 6x6x2\n"
                               "conv2d 3 3x3 same relu name=a\n"
                               "batchnorm\n"
                               "conv2d 3 3x3 same\n"
                               "add a\n"
                               "relu6\n"
                               "maxpool2d 2x2\n"
                               "avgpool2d 2x2 stride=1 same\n"
                               "conv2d 4 2x2 stride=2 relu\n"
                               "flatten\n"
                               "dense 5 relu\n"
                               "dropout 0.3\n"
                               "dense 3\n";

static void fill(float *x, int64_t n, uint64_t seed) {
    an_rng r;
    an_rng_seed(&r, seed, 1);
    for (int64_t i = 0; i < n; i++) x[i] = 2.0f * an_rng_uniform(&r) - 1.0f;
}

/* A MobileNet-style block and a grouped conv (k_gconv.c), without ReLUs
** (their kinks are GRAD_SPEC's business). */
static const char *GROUP_SPEC = "input 6x6x2\n"
                                "conv2d 4 3x3 same\n"
                                "depthwise_conv2d 3x3 same name=dw\n"
                                "batchnorm\n"
                                "conv2d 4 1x1\n"
                                "add dw\n"
                                "conv2d 6 3x3 stride=2 pad=1,0,1,1 groups=2 name=g\n"
                                "DepthwiseConv2D 2x2 stride=2\n"
                                "flatten\n"
                                "dense 3\n";

/* Central differences of the loss against the analytic gradient for every
** trainable parameter. Where the one-sided differences disagree, the step
** crossed a ReLU or max-pool kink (the loss is not differentiable there):
** such parameters are skipped and counted, and must stay few. */
static void check_model_grads(const char *spec) {
    an_model m;
    cr_assert_eq(parse(spec, &m), AN_OK, "%s", an_errmsg());
    an_model_init_params(&m, 3);
    enum { B = 3 };
    float x[B * 72];
    int32_t y[B] = {0, 2, 1};
    fill(x, B * 72, 9);
    an_exec *e;
    cr_assert_eq(an_exec_create(&e, &m, B, 1), AN_OK);
    double l0 = an_exec_loss_backward(e, x, y, B);
    float *g = malloc((size_t)m.n_trainable * sizeof(float));
    memcpy(g, an_exec_param_grads(e), (size_t)m.n_trainable * sizeof(float));
    int bad = 0, kinks = 0;
    double worst = 0;
    for (int64_t k = 0; k < m.n_trainable; k++) {
        float save = m.params[k], h = 2e-3f;
        m.params[k] = save + h;
        double lp = an_exec_loss_backward(e, x, y, B);
        m.params[k] = save - h;
        double lm = an_exec_loss_backward(e, x, y, B);
        m.params[k] = save;
        double right = (lp - l0) / h, left = (l0 - lm) / h, fd = (lp - lm) / (2 * h);
        if (fabs(right - left) > 0.05 * fmax(1e-2, fabs(right) + fabs(left))) {
            kinks++;
            continue;
        }
        double err = fabs(fd - g[k]) / fmax(1e-2, fabs(fd) + fabs(g[k]));
        if (err > 2e-2) {
            bad++;
            if (getenv("GRADCHECK_VERBOSE"))
                fprintf(stderr, "param %lld: fd %g analytic %g\n", (long long)k, fd, g[k]);
        }
        if (err > worst) worst = err;
    }
    cr_assert_eq(bad, 0, "%d of %lld gradients off (worst rel err %.3g)", bad,
                 (long long)m.n_trainable, worst);
    cr_assert_lt(kinks, m.n_trainable / 5, "%d of %lld parameters sit on a kink", kinks,
                 (long long)m.n_trainable);
    free(g);
    an_exec_free(e);
    an_model_free(&m);
}

Test(model, gradients_match_finite_differences) {
    check_model_grads(GRAD_SPEC);
}

Test(model, grouped_and_depthwise_gradients_match_finite_differences) {
    check_model_grads(GROUP_SPEC);
    an_model m;
    cr_assert_eq(parse(GROUP_SPEC, &m), AN_OK, "%s", an_errmsg());
    const an_node *dw = &m.nodes[an_model_find(&m, "dw")];
    cr_assert_eq(dw->groups, 4);
    cr_assert_eq(dw->c, 4);
    cr_assert_eq(dw->n_w, 9 * 4);
    const an_node *g = &m.nodes[an_model_find(&m, "g")];
    cr_assert_eq(g->groups, 2);
    cr_assert_eq(g->n_w, 9 * 2 * 6);
    cr_assert_eq(an_node_macs(&m, g), (int64_t)3 * 3 * 6 * 9 * 2);
    an_model_free(&m);
}

/* Four well-separated blobs: a few epochs must drive the loss down. */
Test(model, training_lowers_loss_and_is_deterministic) {
    const char *spec = "input 8\ndense 16 relu\ndense 4\ncompile optimizer=adam lr=0.01\n";
    float first[2] = {0};
    for (int run = 0; run < 2; run++) {
        an_model m;
        cr_assert_eq(parse(spec, &m), AN_OK);
        an_model_init_params(&m, 5);
        an_dataset ds = {0};
        cr_assert_eq(an_dataset_alloc(&ds, 256, 1, 8, 1), AN_OK);
        an_rng r;
        an_rng_seed(&r, 11, 0);
        for (int64_t i = 0; i < ds.n; i++) {
            ds.y[i] = (int32_t)(i % 4);
            for (int f = 0; f < 8; f++)
                ds.x[i * 8 + f] = (f % 4 == ds.y[i] ? 2.0f : 0.0f) + an_rng_normal(&r) * 0.5f;
        }
        ds.num_classes = 4;
        an_exec *e;
        cr_assert_eq(an_exec_create(&e, &m, 16, 1), AN_OK);
        an_eval_result before, after;
        cr_assert_eq(an_evaluate(&m, &ds, 64, 1, &before), AN_OK);
        an_train_opts o = {.epochs = 5, .batch = 16, .seed = 2, .threads = 1};
        cr_assert_eq(an_train(&m, e, &ds, NULL, &o, NULL, NULL), AN_OK, "%s", an_errmsg());
        cr_assert_eq(an_evaluate(&m, &ds, 64, 1, &after), AN_OK);
        cr_assert_lt(after.loss, before.loss * 0.3, "loss %.4f -> %.4f", before.loss, after.loss);
        cr_assert_gt((double)after.correct / (double)after.n, 0.95);
        first[run] = m.params[7];
        an_eval_result_free(&before);
        an_eval_result_free(&after);
        an_exec_free(e);
        an_dataset_free(&ds);
        an_model_free(&m);
    }
    cr_assert_eq(first[0], first[1], "same seed, same threads: same weights");
}

Test(model, data_that_does_not_fit_is_rejected) {
    an_model m;
    cr_assert_eq(parse("input 8\ndense 3\n", &m), AN_OK);
    an_dataset ds = {0};
    cr_assert_eq(an_dataset_alloc(&ds, 4, 1, 5, 1), AN_OK);
    snprintf(ds.name, sizeof ds.name, "tiny");
    ds.num_classes = 2;
    an_eval_result r;
    cr_assert_eq(an_evaluate(&m, &ds, 4, 1, &r), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "tiny: samples have 5 features"), "%s", an_errmsg());
    an_dataset_free(&ds);
    an_model_free(&m);
}

static void tmp_path(char *buf, size_t n, const char *name) {
    snprintf(buf, n, "/tmp/asicnn-test-%d-%s", (int)getpid(), name);
}

Test(ckpt, round_trip_corruption_and_truncation) {
    an_model m, back;
    cr_assert_eq(parse(GRAD_SPEC, &m), AN_OK);
    an_model_init_params(&m, 4);
    float optim[6] = {1, 2, 3, 4, 5, 6}, *optim_back = NULL;
    float mean[2] = {0.5f, 1.5f}, std[2] = {2, 3};
    an_ckpt_extra x = {.epochs_done = 3,
                       .step = 99,
                       .optim = optim,
                       .n_optim = 6,
                       .norm = {.mode = AN_NORM_STANDARD, .features = 2, .mean = mean, .std = std}};
    char path[256];
    tmp_path(path, sizeof path, "round.ckpt");
    cr_assert_eq(an_ckpt_save(path, &m, &x), AN_OK, "%s", an_errmsg());
    an_ckpt_extra xb;
    cr_assert_eq(an_ckpt_load(path, &back, &xb, &optim_back), AN_OK, "%s", an_errmsg());
    cr_assert_eq(back.n_params, m.n_params);
    cr_assert_eq(memcmp(back.params, m.params, (size_t)m.n_params * 4), 0);
    cr_assert_str_eq(back.spec, m.spec);
    cr_assert_eq(xb.epochs_done, 3);
    cr_assert_eq(xb.step, 99);
    cr_assert_eq(xb.n_optim, 6);
    cr_assert_eq(memcmp(optim_back, optim, sizeof optim), 0);
    cr_assert_eq(xb.norm.mode, AN_NORM_STANDARD);
    cr_assert_float_eq(xb.norm.std[1], 3.0f, 0);
    free(optim_back);
    an_norm_free(&xb.norm);
    an_model_free(&back);

    /* flip one byte in the middle: the checksum catches it */
    char *buf;
    size_t n;
    cr_assert_eq(an_read_file(path, 1 << 24, &buf, &n), AN_OK);
    buf[n / 2] ^= 0x40;
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    cr_assert_eq(an_ckpt_load(path, &back, &xb, NULL), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "checksum mismatch"), "%s", an_errmsg());
    cr_assert(strstr(an_errmsg(), path));

    /* a checkpoint whose spec no longer matches its parameters, with a valid
    ** checksum: "dense 5 relu" becomes "dense 6 relu" */
    buf[n / 2] ^= 0x40;
    char *d5 = strstr(buf + 16, "dense 5");
    cr_assert_not_null(d5);
    d5[6] = '6';
    uint32_t crc = an_crc32(0, buf, n - 4);
    for (int b = 0; b < 4; b++) buf[n - 4 + b] = (char)(crc >> (8 * b));
    f = fopen(path, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    cr_assert_eq(an_ckpt_load(path, &back, &xb, NULL), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "mismatched checkpoint"), "%s", an_errmsg());
    d5[6] = '5';

    /* truncated files, at every length class */
    size_t cuts[] = {0, 5, 12, 40, n / 2, n - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        f = fopen(path, "wb");
        fwrite(buf, 1, cuts[k], f);
        fclose(f);
        cr_assert_neq(an_ckpt_load(path, &back, &xb, NULL), AN_OK, "cut at %zu", cuts[k]);
        cr_assert(strstr(an_errmsg(), path), "%s", an_errmsg());
    }
    /* not a checkpoint at all */
    f = fopen(path, "wb");
    fputs("input 4\ndense 3\n", f);
    fclose(f);
    cr_assert_eq(an_ckpt_load(path, &back, &xb, NULL), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "not an asicnn checkpoint"), "%s", an_errmsg());
    free(buf);
    unlink(path);
    an_model_free(&m);
}
