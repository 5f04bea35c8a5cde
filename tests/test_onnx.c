/*
** ONNX import tests: PyTorch fixtures (tests/fixtures/onnx, written by
** scripts/onnx_fixtures.py) imported and run, outputs against PyTorch's
** within 1e-4 relative (max |asicnn - torch| / max |torch|); checkpoints of
** imported models; export and re-import giving the same parameters and
** outputs bit for bit; explicit padding
** in the spec; errors (unsupported ops and attributes listed together,
** unknown domains, external data, functions, truncated and non-ONNX files).
*/
#include "asicnn/onnx.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIX ASICNN_TEST_DIR "/fixtures/onnx/"

typedef struct fixture {
    uint32_t B, C, H, W, N;
    float *x; /* NHWC (converted from the file's NCHW) */
    float *y; /* [B, N] PyTorch logits */
} fixture;

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static float rdf(const uint8_t *p) {
    uint32_t u = rd32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void load_fixture(const char *name, fixture *f) {
    char path[512];
    snprintf(path, sizeof path, FIX "%s.bin", name);
    char *buf;
    size_t n;
    cr_assert_eq(an_read_file(path, 1 << 24, &buf, &n), AN_OK, "%s", an_errmsg());
    const uint8_t *p = (const uint8_t *)buf;
    cr_assert(n >= 28 && memcmp(p, "ANOXFIX1", 8) == 0);
    f->B = rd32(p + 8), f->C = rd32(p + 12), f->H = rd32(p + 16), f->W = rd32(p + 20);
    f->N = rd32(p + 24);
    const size_t F = (size_t)f->C * f->H * f->W;
    cr_assert_eq(n, 28 + 4 * (F * f->B + (size_t)f->B * f->N));
    f->x = malloc(4 * F * f->B);
    f->y = malloc(4 * (size_t)f->B * f->N);
    const uint8_t *px = p + 28, *py = px + 4 * F * f->B;
    for (uint32_t b = 0; b < f->B; b++)
        for (uint32_t c = 0; c < f->C; c++)
            for (uint32_t h = 0; h < f->H; h++)
                for (uint32_t w = 0; w < f->W; w++)
                    f->x[b * F + ((size_t)h * f->W + w) * f->C + c] =
                        rdf(px + 4 * (b * F + ((size_t)c * f->H + h) * f->W + w));
    for (size_t i = 0; i < (size_t)f->B * f->N; i++) f->y[i] = rdf(py + 4 * i);
    free(buf);
}

static void free_fixture(fixture *f) {
    free(f->x);
    free(f->y);
}

/* Run m on the fixture; returns max |out - y| / max |y| and fills out. */
static double run_model(an_model *m, const fixture *f, float *out) {
    an_exec *e;
    cr_assert_eq(an_exec_create(&e, m, (int)f->B, 0), AN_OK, "%s", an_errmsg());
    const float *y = an_exec_forward(e, f->x, (int)f->B, 0, 0);
    double maxd = 0, maxy = 0;
    for (size_t i = 0; i < (size_t)f->B * f->N; i++) {
        out[i] = y[i];
        maxd = fmax(maxd, fabs((double)y[i] - f->y[i]));
        maxy = fmax(maxy, fabs((double)f->y[i]));
    }
    an_exec_free(e);
    return maxd / maxy;
}

static void check_fixture(const char *name, int softmax) {
    char path[512];
    snprintf(path, sizeof path, FIX "%s.onnx", name);
    an_onnx_model om;
    cr_assert_eq(an_onnx_import(path, NULL, &om), AN_OK, "%s", an_errmsg());
    cr_assert_eq(om.kind, AN_ONNX_FLOAT);
    cr_assert_eq(om.softmax_dropped, softmax);
    fixture f;
    load_fixture(name, &f);
    cr_assert_eq(an_node_size(&om.model.nodes[0]), (int64_t)f.C * f.H * f.W);
    cr_assert_eq(an_node_size(&om.model.nodes[om.model.output]), (int64_t)f.N);
    float *out = malloc(sizeof(float) * f.B * f.N);
    const double rel = run_model(&om.model, &f, out);
    fprintf(stderr, "onnx fixture %-10s max relative error %.3g\n", name, rel);
    cr_assert_leq(rel, 1e-4, "%s: max relative error %g", name, rel);

    /* a checkpoint of the imported model rebuilds it from its spec */
    char ck[64];
    snprintf(ck, sizeof ck, "test_onnx_%s.ckpt", name);
    an_ckpt_extra x = {.norm = om.norm};
    cr_assert_eq(an_ckpt_save(ck, &om.model, &x), AN_OK, "%s", an_errmsg());
    an_model m2;
    an_ckpt_extra x2;
    cr_assert_eq(an_ckpt_load(ck, &m2, &x2, NULL), AN_OK, "%s", an_errmsg());
    float *out2 = malloc(sizeof(float) * f.B * f.N);
    run_model(&m2, &f, out2);
    cr_assert(memcmp(out, out2, sizeof(float) * f.B * f.N) == 0, "%s: checkpoint differs", name);
    remove(ck);

    /* export, re-import: the same outputs bit for bit */
    uint8_t *buf;
    size_t nb;
    cr_assert_eq(an_onnx_export_model_buffer(&om.model, NULL, NULL, &buf, &nb), AN_OK, "%s",
                 an_errmsg());
    an_onnx_model back;
    cr_assert_eq(an_onnx_import_buffer(buf, nb, "exported.onnx", NULL, &back), AN_OK, "%s",
                 an_errmsg());
    free(buf);
    cr_assert_eq(back.model.n_params, om.model.n_params);
    cr_assert(memcmp(back.model.params, om.model.params, sizeof(float) * om.model.n_params) == 0);
    run_model(&back.model, &f, out2);
    cr_assert(memcmp(out, out2, sizeof(float) * f.B * f.N) == 0, "%s: round trip differs", name);
    an_onnx_model_free(&back);
    an_norm_free(&x2.norm);
    an_model_free(&m2);
    free(out);
    free(out2);
    free_fixture(&f);
    an_onnx_model_free(&om);
}

Test(onnx_import, seed_cnn) {
    check_fixture("seed_cnn", 0);
}
Test(onnx_import, lenet5_padding_avgpool_opset9) {
    check_fixture("lenet5", 0);
}
Test(onnx_import, resnet_batchnorm_residual_explicit_pads_opset17) {
    check_fixture("resnet", 0);
}
/* depthwise (multiplier 1 and 2) and grouped Conv nodes, batchnorm, ReLU6,
** residual add + Relu, global average pooling */
Test(onnx_import, mobile_depthwise_grouped_opset13) {
    check_fixture("mobile", 0);
    an_onnx_model om;
    cr_assert_eq(an_onnx_import(FIX "mobile.onnx", NULL, &om), AN_OK, "%s", an_errmsg());
    int groups[3] = {0}, n = 0;
    for (int i = 0; i < om.model.n_nodes; i++)
        if (om.model.nodes[i].op == AN_OP_CONV2D && om.model.nodes[i].groups > 1 && n < 3)
            groups[n++] = om.model.nodes[i].groups;
    cr_assert(n == 3 && groups[0] == 8 && groups[1] == 4 && groups[2] == 16,
              "groups %d %d %d (%d grouped convs)", groups[0], groups[1], groups[2], n);
    an_onnx_model_free(&om);
}

Test(onnx_import, mlp_softmax_opset11) {
    check_fixture("mlp", 1);
}
Test(onnx_import, mlp_matmul_add_float_data) {
    check_fixture("mlp_matmul", 1);
}

Test(onnx_import, explicit_pads_in_spec) {
    an_onnx_model om;
    cr_assert_eq(an_onnx_import(FIX "resnet.onnx", NULL, &om), AN_OK, "%s", an_errmsg());
    /* the strided conv with padding 1 on 16x16: PyTorch pads 1,1,1,1 (Keras same: 0,0,1,1) */
    cr_assert(strstr(om.model.spec, "pad=1,1,1,1") != NULL, "%s", om.model.spec);
    an_onnx_model_free(&om);
    an_model m;
    cr_assert_eq(an_model_parse("input 5x6x1\nconv2d 2 3x3 pad=1,0,2,1 name=c\n"
                                "maxpool2d 2x2 pad=1\navgpool2d 3x3 stride=1 pad=1x2\n",
                                "pads.model", &m),
                 AN_OK, "%s", an_errmsg());
    cr_assert_eq(m.nodes[1].h, 6); /* (5 + 1 + 2 - 3) / 1 + 1 */
    cr_assert_eq(m.nodes[1].w, 5); /* (6 + 0 + 1 - 3) / 1 + 1 */
    cr_assert_eq(m.nodes[1].pt, 1);
    cr_assert_eq(m.nodes[1].pl, 0);
    cr_assert_eq(m.nodes[2].h, 4); /* (6 + 2 - 2) / 2 + 1 */
    cr_assert_eq(m.nodes[3].w, 5); /* (3 + 4 - 3) / 1 + 1 */
    an_model_free(&m);
    cr_assert_neq(an_model_parse("input 5x5x1\nconv2d 2 3x3 pad=3\n", "p.model", &m), AN_OK);
    cr_assert(strstr(an_errmsg(), "smaller than") != NULL, "%s", an_errmsg());
    cr_assert_neq(an_model_parse("input 5x5x1\nconv2d 2 3x3 pad=1,2\n", "p.model", &m), AN_OK);
    cr_assert(strstr(an_errmsg(), "p.model:2") != NULL, "%s", an_errmsg());
    cr_assert_neq(an_model_parse("input 5\ndense 2 pad=1\n", "p.model", &m), AN_OK);
}

static void expect_error(const char *file, an_status want, const char *const *parts) {
    an_onnx_model om;
    an_status s = an_onnx_import(file, NULL, &om);
    cr_assert_eq(s, want, "%s: %s", file, an_errmsg());
    for (const char *const *p = parts; *p; p++)
        cr_assert(strstr(an_errmsg(), *p) != NULL, "'%s' not in: %s", *p, an_errmsg());
}

Test(onnx_errors, every_unsupported_op_and_attribute_listed) {
    expect_error(FIX "err_ops.onnx", AN_ERR_UNSUPPORTED,
                 (const char *const[]){"4 unsupported", "'grouped' (Conv): group=3 does not divide",
                                       "'gate' (Sigmoid)", "'pool' (MaxPool): ceil_mode=1",
                                       "'squash' (Tanh)", NULL});
}

Test(onnx_errors, domain_external_functions) {
    expect_error(FIX "err_domain.onnx", AN_ERR_UNSUPPORTED,
                 (const char *const[]){"'fancy' (FancyOp)", "domain 'com.example'", NULL});
    expect_error(FIX "err_external.onnx", AN_ERR_UNSUPPORTED,
                 (const char *const[]){"'w1'", "external data", NULL});
    expect_error(FIX "err_function.onnx", AN_ERR_UNSUPPORTED,
                 (const char *const[]){"function", "MyRelu", NULL});
}

Test(onnx_errors, truncated_and_not_onnx) {
    char *buf;
    size_t n;
    cr_assert_eq(an_read_file(FIX "seed_cnn.onnx", 1 << 24, &buf, &n), AN_OK);
    an_onnx_model om;
    for (size_t cut = 1; cut < n; cut = cut * 3 + 7) {
        an_status s = an_onnx_import_buffer((const uint8_t *)buf, cut, "cut.onnx", NULL, &om);
        cr_assert_neq(s, AN_OK, "truncated at %zu accepted", cut);
        cr_assert(strstr(an_errmsg(), "cut.onnx") != NULL, "%s", an_errmsg());
    }
    free(buf);
    const char *text = "input 28x28x1\nconv2d 32 3x3 relu\n";
    cr_assert_eq(an_onnx_import_buffer((const uint8_t *)text, strlen(text), "spec.onnx", NULL, &om),
                 AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "not an ONNX model") != NULL, "%s", an_errmsg());
    cr_assert_eq(an_onnx_import_buffer((const uint8_t *)"", 0, "empty.onnx", NULL, &om),
                 AN_ERR_FORMAT);
    cr_assert_eq(an_onnx_import("no/such/file.onnx", NULL, &om), AN_ERR_IO);
}
