/*
** .q8 files: a save/load round trip keeps every field; corruption,
** truncation, a wrong magic or version, and invalid fields (with a valid
** checksum, as a hostile file would have) fail with a message naming the
** file and the field. Also the quantizer end to end on small float models:
** batchnorm folding, relu fusion, dropout removal, residual add, and its
** errors.
*/
#include "asicnn/nn.h"
#include "test_quant_util.h"
#include "leakcheck.h"

#include <unistd.h>

static void small_graph(an_q_graph *g) {
    an_rng r;
    an_rng_seed(&r, 4, 4);
    tq_graph(g, 5, 6, 6, 2, 0.02f, -5);
    tq_conv(g, 0, 3, 3, 1, 1, 1, &r);
    tq_pool(g, AN_Q_MAXPOOL, 1, 2, 2, 0);
    tq_flatten(g, 2);
    tq_dense(g, 3, 4, 0, &r);
    snprintf(g->calib, sizeof g->calib, "test");
}

static void tmp_path(char *buf, size_t n, const char *name) {
    snprintf(buf, n, "/tmp/asicnn_q8_%d_%s", (int)getpid(), name);
}

static uint8_t *read_all(const char *path, size_t *n) {
    char *buf;
    cr_assert_eq(an_read_file(path, 1 << 24, &buf, n), AN_OK);
    return (uint8_t *)buf;
}

/* Recompute the trailing CRC (as a hostile file would). */
static void fix_crc(uint8_t *b, size_t n) {
    uint32_t c = an_crc32(0, b, n - 4);
    for (int i = 0; i < 4; i++) b[n - 4 + i] = (uint8_t)(c >> (8 * i));
}

static void expect_parse_error(const uint8_t *b, size_t n, const char *frag) {
    an_q_graph g;
    cr_assert_neq(an_q8_parse(b, n, "bad.q8", &g), AN_OK, "should fail (%s)", frag);
    cr_assert(strstr(an_errmsg(), "bad.q8"), "message '%s' lacks the file name", an_errmsg());
    cr_assert(strstr(an_errmsg(), frag), "message '%s' lacks '%s'", an_errmsg(), frag);
}

TestSuite(q8, .fini = leakcheck);
TestSuite(quantizer, .fini = leakcheck);

Test(q8, round_trip_keeps_every_field) {
    an_q_graph g, h;
    small_graph(&g);
    char path[128];
    tmp_path(path, sizeof path, "rt.q8");
    cr_assert_eq(an_q8_save(path, &g), AN_OK, "%s", an_errmsg());
    cr_assert(an_q8_is_file(path));
    cr_assert_eq(an_q8_load(path, &h), AN_OK, "%s", an_errmsg());
    cr_assert_eq(h.n_layers, g.n_layers);
    cr_assert_str_eq(h.calib, "test");
    cr_assert_eq(h.input.scale, g.input.scale);
    cr_assert_eq(h.input.zero_point, g.input.zero_point);
    for (int i = 0; i < g.n_layers; i++) {
        const an_q_layer *a = &g.layers[i], *b = &h.layers[i];
        cr_assert_str_eq(a->name, b->name);
        cr_assert(a->op == b->op && a->in[0] == b->in[0] && a->in[1] == b->in[1]);
        cr_assert(a->h == b->h && a->w == b->w && a->c == b->c && a->k == b->k);
        cr_assert(a->pt == b->pt && a->pl == b->pl && a->sh == b->sh && a->kh == b->kh);
        cr_assert(a->scale == b->scale && a->zero_point == b->zero_point);
        cr_assert(a->act_min == b->act_min && a->act_max == b->act_max);
        if (a->weights) {
            cr_assert(memcmp(a->weights, b->weights, (size_t)a->c * a->k) == 0);
            cr_assert(memcmp(a->bias, b->bias, 4 * (size_t)a->c) == 0);
            cr_assert(memcmp(a->mult, b->mult, 4 * (size_t)a->c) == 0);
            cr_assert(memcmp(a->shift, b->shift, 4 * (size_t)a->c) == 0);
            cr_assert(memcmp(a->w_scale, b->w_scale, 4 * (size_t)a->c) == 0);
        }
    }
    /* the in-memory image is the file, byte for byte */
    size_t n_file, n_mem;
    uint8_t *file = read_all(path, &n_file), *mem;
    cr_assert_eq(an_q8_encode(&g, &mem, &n_mem), AN_OK, "%s", an_errmsg());
    cr_assert_eq(n_mem, n_file);
    cr_assert_eq(memcmp(mem, file, n_file), 0);
    free(mem);
    free(file);
    unlink(path);
    an_q_graph_free(&g);
    an_q_graph_free(&h);
}

/* Shapes whose element count overflows 64 bits are refused, not multiplied
** (the fuzzer's q8 crash: input 0x31ffff03 x 0x0001ffff x ...; UBSan in
** make test-sanitize catches the overflow this guards against). */
Test(q8, huge_shapes_refused_without_overflow) {
    an_q_graph g;
    small_graph(&g);
    const an_q_input keep = g.input;
    g.input.h = 0x31ffff03, g.input.w = 0x7fffffff, g.input.c = 0x7fffffff;
    cr_assert_neq(an_q_graph_validate(&g), AN_OK);
    cr_assert(strstr(an_errmsg(), "input: bad shape"), "%s", an_errmsg());
    g.input = keep;
    const int h = g.layers[0].h, w = g.layers[0].w, c = g.layers[0].c;
    g.layers[0].h = 0x7fffffff, g.layers[0].w = 0x7fffffff, g.layers[0].c = 0x40000000;
    cr_assert_neq(an_q_graph_validate(&g), AN_OK);
    cr_assert(strstr(an_errmsg(), "bad output shape"), "%s", an_errmsg());
    g.layers[0].h = h, g.layers[0].w = w, g.layers[0].c = c;
    cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
    an_q_graph_free(&g);
}

Test(q8, corruption_truncation_and_bad_fields) {
    an_q_graph g;
    small_graph(&g);
    char path[128];
    tmp_path(path, sizeof path, "bad.q8");
    cr_assert_eq(an_q8_save(path, &g), AN_OK, "%s", an_errmsg());
    size_t n;
    uint8_t *b = read_all(path, &n);
    uint8_t *c = malloc(n);
    /* a flipped byte anywhere: checksum */
    for (size_t at = 0; at < n; at += 37) {
        memcpy(c, b, n);
        c[at] ^= 0x40;
        expect_parse_error(c, n, at < 8 ? "bad magic" : "checksum");
    }
    /* truncation at every length */
    for (size_t len = 0; len < n; len += 1 + len / 8)
        expect_parse_error(b, len, len < 8 ? "magic" : "");
    /* truncated with a valid checksum: names the field */
    memcpy(c, b, n);
    fix_crc(c, n - 40);
    expect_parse_error(c, n - 40, "truncated in layer 3");
    /* version */
    memcpy(c, b, n);
    c[8] = 9;
    fix_crc(c, n);
    expect_parse_error(c, n, "version 9");
    /* field values, each with a valid checksum */
    an_q_layer *l0 = &g.layers[0];
    l0->shift[1] = 40;
    cr_assert_neq(an_q8_save(path, &g), AN_OK); /* never written */
    cr_assert(strstr(an_errmsg(), "shift[1]"), "%s", an_errmsg());
    l0->shift[1] = -3;
    l0->mult[0] = 5;
    cr_assert_neq(an_q_graph_validate(&g), AN_OK);
    cr_assert(strstr(an_errmsg(), "multiplier[0]"), "%s", an_errmsg());
    l0->mult[0] = 1 << 30;
    /* patch fields inside the file image: layer 0 starts after the header */
    const size_t l0_at = 8 + 4 + 4 + 4 + 4 + 24 + 8; /* magic ver n calib(4+"test") input map */
    memcpy(c, b, n);
    c[l0_at] = 77; /* op */
    fix_crc(c, n);
    expect_parse_error(c, n, "field op = 77");
    memcpy(c, b, n);
    c[l0_at + 4 + 96] = 5; /* in[0] = 5: a later tensor */
    fix_crc(c, n);
    expect_parse_error(c, n, "field in[0] = 5");
    memcpy(c, b, n);
    c[l0_at + 4 + 96 + 4 * 11 + 4] = 0x7f; /* zero point 127 -> 0x..7f: out of range */
    c[l0_at + 4 + 96 + 4 * 11 + 5] = 0x7f;
    fix_crc(c, n);
    expect_parse_error(c, n, "zero_point");
    memcpy(c, b, n);
    c[l0_at + 4 + 96 + 4 * 11 + 4 * 6] = 0x80; /* weights[0] = -128 (after k, groups) */
    fix_crc(c, n);
    expect_parse_error(c, n, "weights[0]");
    memcpy(c, b, n);
    c[l0_at + 4 + 96 + 4 * 11 + 4 * 5] = 0; /* groups = 0 */
    fix_crc(c, n);
    expect_parse_error(c, n, "field groups = 0");
    memcpy(c, b, n + 0);
    an_q_graph h;
    cr_assert_eq(an_q8_parse(c, n, "ok.q8", &h), AN_OK, "%s", an_errmsg());
    an_q_graph_free(&h);
    /* a missing file */
    cr_assert_neq(an_q8_load("/nonexistent/x.q8", &h), AN_OK);
    free(b);
    free(c);
    unlink(path);
    an_q_graph_free(&g);
}

/* ---- the quantizer on small float models -------------------------------- */

static void quantize_and_compare(const char *spec, int min_agree_pct) {
    an_model m;
    cr_assert_eq(an_model_parse(spec, "q.model", &m), AN_OK, "%s", an_errmsg());
    an_model_init_params(&m, 3);
    /* make batchnorm statistics non-trivial */
    for (int i = 0; i < m.n_nodes; i++) {
        an_node *n = &m.nodes[i];
        if (n->op != AN_OP_BATCHNORM) continue;
        for (int c = 0; c < n->c; c++) {
            m.params[n->w_off + c] = 0.5f + 0.1f * c;
            m.params[n->b_off + c] = 0.1f * (c % 3) - 0.1f;
            m.params[n->rm_off + c] = 0.05f * c;
            m.params[n->rv_off + c] = 0.5f + 0.2f * c;
        }
    }
    const an_node *in = &m.nodes[0];
    an_dataset raw = {0}, nd = {0};
    cr_assert_eq(an_dataset_alloc(&raw, 200, in->h, in->w, in->c), AN_OK);
    an_rng r;
    an_rng_seed(&r, 8, 8);
    for (int64_t i = 0; i < raw.n * raw.features; i++) raw.x[i] = (float)an_rng_below(&r, 256);
    for (int64_t i = 0; i < raw.n; i++) raw.y[i] = (int32_t)(i % 4);
    raw.num_classes = 4;
    an_norm norm;
    cr_assert_eq(an_norm_fit(&raw, AN_NORM_SCALE255, &norm), AN_OK);
    cr_assert_eq(an_data_slice(&raw, 0, raw.n, &nd), AN_OK);
    cr_assert_eq(an_norm_apply(&norm, &nd), AN_OK);
    an_calib_range *ranges = calloc((size_t)m.n_nodes, sizeof *ranges);
    for (int method = 0; method < AN_CALIB_COUNT; method++) {
        an_calib_opts o = an_calib_defaults();
        o.method = (an_calib_method)method;
        o.images = 100;
        cr_assert_eq(an_calibrate(&m, &nd, &o, ranges), AN_OK, "%s", an_errmsg());
        an_q_graph g;
        cr_assert_eq(an_quantize(&m, &norm, ranges, &g), AN_OK, "%s", an_errmsg());
        for (int i = 0; i < g.n_layers; i++)
            cr_assert(strcmp(g.layers[i].name, "dropout_1") != 0, "dropout must disappear");
        an_q_compare c;
        cr_assert_eq(an_q_compare_models(&m, &g, &nd, &raw, AN_Q_IMPL_FAST, 64, &c), AN_OK, "%s",
                     an_errmsg());
        cr_assert(c.agree * 100 >= min_agree_pct * c.n, "%s: agreement %lld/%lld",
                  AN_CALIB_NAME[method], (long long)c.agree, (long long)c.n);
        for (int i = 0; i < c.n_layers; i++)
            cr_assert(c.sqnr_db[i] > 15, "%s layer %d SQNR %.1f dB", AN_CALIB_NAME[method], i,
                      c.sqnr_db[i]);
        an_q_compare_free(&c);
        an_q_graph_free(&g);
    }
    free(ranges);
    an_norm_free(&norm);
    an_dataset_free(&raw);
    an_dataset_free(&nd);
    an_model_free(&m);
}

Test(quantizer, seed_like_model_with_batchnorm_relu_dropout) {
    quantize_and_compare("input 10x10x1\n"
                         "conv2d 6 3x3 same\n"
                         "batchnorm\n"
                         "relu\n"
                         "maxpool2d 2x2\n"
                         "conv2d 8 3x3 relu6\n"
                         "avgpool2d 2x2 same\n"
                         "flatten\n"
                         "dense 16 relu\n"
                         "dropout 0.2\n"
                         "dense 4\n",
                         90);
}

Test(quantizer, residual_add) {
    quantize_and_compare("input 8x8x2\n"
                         "conv2d 4 3x3 same relu name=a\n"
                         "conv2d 4 3x3 same\n"
                         "add a\n"
                         "relu\n"
                         "flatten\n"
                         "dense 4\n",
                         90);
}

Test(quantizer, depthwise_and_grouped_with_batchnorm_relu6) {
    quantize_and_compare("input 10x10x3\n"
                         "conv2d 8 3x3 same stride=2 relu6\n"
                         "depthwise_conv2d 3x3 same\n"
                         "batchnorm\n"
                         "relu6\n"
                         "conv2d 8 1x1 name=p\n"
                         "conv2d 8 3x3 same groups=4\n"
                         "add p\n"
                         "relu\n"
                         "avgpool2d 5x5\n"
                         "flatten\n"
                         "dense 4\n",
                         90);
}

Test(quantizer, unsupported_layers_are_named) {
    an_model m;
    cr_assert_eq(an_model_parse("input 6x6x1\nconv2d 2 3x3 relu\nmaxpool2d 2x2\nrelu\nflatten\n"
                                "dense 3\n",
                                "u.model", &m),
                 AN_OK, "%s", an_errmsg());
    an_calib_range ranges[8];
    for (int i = 0; i < m.n_nodes; i++) ranges[i] = (an_calib_range){-1, 1};
    an_norm norm = {.mode = AN_NORM_SCALE255};
    an_q_graph g;
    cr_assert_eq(an_quantize(&m, &norm, ranges, &g), AN_ERR_UNSUPPORTED);
    cr_assert(strstr(an_errmsg(), "u.model:4: relu_1"), "%s", an_errmsg());
    an_model_free(&m);
}
