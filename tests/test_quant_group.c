/*
** Grouped and depthwise int8 conv2d (an_q_layer.groups): the reference
** engine against an independent computation, the same graph with each
** grouped conv expanded to an ordinary conv whose weights are zero off the
** group blocks (it must give identical int8 tensors, since the folded bias
** and every accumulator are the same integers); every fast path against
** the reference; the validator's errors (naming layer and field); and the
** .q8 file keeping groups, with a version 2 file (no groups field) still
** loading as groups 1.
*/
#include "test_quant_util.h"
#include "leakcheck.h"

/* A deep copy of layer l whose input has C channels, as an ordinary conv
** (groups 1) with zero weights outside its group's input channels. */
static void expand_layer(const an_q_layer *l, int C, an_q_layer *d) {
    *d = *l;
    d->weights = NULL, d->bias = d->mult = d->shift = NULL, d->w_scale = NULL;
    if (l->op != AN_Q_CONV2D && l->op != AN_Q_DENSE) return;
    const int G = l->groups, CG = C / G, OCG = l->c / G, taps = l->kh * l->kw;
    d->groups = 1;
    d->k = l->op == AN_Q_CONV2D ? taps * C : l->k;
    d->weights = calloc((size_t)l->c * d->k, 1);
    d->bias = malloc(4 * (size_t)l->c), d->mult = malloc(4 * (size_t)l->c);
    d->shift = malloc(4 * (size_t)l->c), d->w_scale = malloc(4 * (size_t)l->c);
    memcpy(d->bias, l->bias, 4 * (size_t)l->c), memcpy(d->mult, l->mult, 4 * (size_t)l->c);
    memcpy(d->shift, l->shift, 4 * (size_t)l->c);
    memcpy(d->w_scale, l->w_scale, 4 * (size_t)l->c);
    if (l->op == AN_Q_DENSE) {
        memcpy(d->weights, l->weights, (size_t)l->c * l->k);
        return;
    }
    for (int oc = 0; oc < l->c; oc++)
        for (int t = 0; t < taps; t++)
            for (int ic = 0; ic < CG; ic++)
                d->weights[(int64_t)oc * d->k + (int64_t)t * C + (oc / OCG) * CG + ic] =
                    l->weights[(int64_t)oc * l->k + (int64_t)t * CG + ic];
}

/* g with every grouped conv expanded (expand_layer), a graph of its own. */
static void expand_graph(const an_q_graph *g, an_q_graph *d) {
    const an_q_input *in = &g->input;
    tq_graph(d, g->n_layers, in->h, in->w, in->c, in->scale, in->zero_point);
    d->input.in_mul[0] = in->in_mul[0], d->input.in_add[0] = in->in_add[0];
    for (int i = 0; i < g->n_layers; i++)
        expand_layer(&g->layers[i], an_q_tensor_info(g, g->layers[i].in[0]).c, &d->layers[i]);
    d->n_layers = g->n_layers;
}

/* The reference on g and on its expansion, then every fast path on g, on B
** random samples: every tensor equal byte for byte. */
static void expect_group_equal(const an_q_graph *g, int B, uint64_t seed) {
    cr_assert_eq(an_q_graph_validate(g), AN_OK, "%s", an_errmsg());
    an_q_graph d;
    expand_graph(g, &d);
    cr_assert_eq(an_q_graph_validate(&d), AN_OK, "%s", an_errmsg());
    an_rng r;
    an_rng_seed(&r, seed, 5);
    const int64_t F = an_q_tensor_size(g, 0);
    int8_t *x = malloc((size_t)(B * F)); /* [B, F] */
    tq_random_input(x, B * F, &r);
    an_q_engine *ref, *dense;
    cr_assert_eq(an_q_engine_create(&ref, g, B, AN_Q_IMPL_REF), AN_OK);
    cr_assert_eq(an_q_engine_create(&dense, &d, B, AN_Q_IMPL_REF), AN_OK);
    an_q_engine_run(ref, x, B);
    an_q_engine_run(dense, x, B);
    for (int t = 1; t <= g->n_layers; t++) {
        const size_t n = (size_t)B * (size_t)an_q_tensor_size(g, t);
        cr_assert(memcmp(an_q_engine_tensor(ref, t), an_q_engine_tensor(dense, t), n) == 0,
                  "grouped layer %d differs from its dense expansion", t - 1);
    }
    for (int impl = AN_Q_IMPL_FAST; impl < AN_Q_IMPL_COUNT; impl++) {
        an_q_engine *fast;
        if (!an_q_fast_path((an_q_impl)impl)) continue;
        cr_assert_eq(an_q_engine_create(&fast, g, B, (an_q_impl)impl), AN_OK);
        an_q_engine_run(fast, x, B);
        for (int t = 1; t <= g->n_layers; t++) {
            const size_t n = (size_t)B * (size_t)an_q_tensor_size(g, t);
            cr_assert(memcmp(an_q_engine_tensor(ref, t), an_q_engine_tensor(fast, t), n) == 0,
                      "%s path differs from the reference at layer %d, batch %d",
                      AN_Q_IMPL_NAME[impl], t - 1, B);
        }
        an_q_engine_free(fast);
    }
    an_q_engine_free(ref);
    an_q_engine_free(dense);
    free(x);
    an_q_graph_free(&d);
}

TestSuite(quant_group, .fini = leakcheck);

Test(quant_group, depthwise_and_grouped_match_dense_expansion) {
    /* {H, C, OC, k, stride, same, groups, act} */
    static const int cases[][8] = {
        {9, 8, 8, 3, 1, 1, 8, 2},       /* depthwise 3x3 same, relu6 (MobileNet) */
        {10, 6, 6, 3, 2, 1, 6, 1},      /* depthwise stride 2, asymmetric padding */
        {7, 4, 8, 3, 1, 0, 4, 0},       /* depthwise, multiplier 2 */
        {8, 8, 12, 3, 1, 0, 4, 1},      /* 4 groups of 2 -> 3 channels */
        {6, 6, 4, 1, 1, 0, 2, 0},       /* 1x1, 2 groups */
        {5, 300, 300, 3, 1, 1, 300, 0}, /* depthwise past the 256-channel block */
        {9, 3, 3, 5, 3, 1, 3, 0},       /* window wider than the stride */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int *c = cases[i];
        an_rng r;
        an_rng_seed(&r, 40 + i, 1);
        an_q_graph g;
        tq_graph(&g, 1, c[0], c[0] + 1, c[1], 0.01f + 0.02f * an_rng_uniform(&r),
                 (int)an_rng_below(&r, 100) - 50);
        tq_conv_g(&g, 0, c[2], c[3], c[4], c[5], c[6], c[7], &r);
        expect_group_equal(&g, 1, i);
        expect_group_equal(&g, 3, i + 100);
        an_q_graph_free(&g);
    }
}

Test(quant_group, mobilenet_block_chain) {
    an_rng r;
    an_rng_seed(&r, 7, 7);
    an_q_graph g;
    tq_graph(&g, 8, 12, 12, 3, 1.0f / 255.0f, -128);
    tq_conv(&g, 0, 8, 3, 2, 1, 2, &r);       /* 1: 6x6x8 */
    tq_conv_g(&g, 1, 8, 3, 1, 1, 8, 2, &r);  /* 2: depthwise */
    tq_conv(&g, 2, 16, 1, 1, 0, 0, &r);      /* 3: pointwise */
    tq_conv_g(&g, 3, 16, 3, 2, 1, 4, 1, &r); /* 4: grouped, stride 2 */
    tq_add(&g, 4, 4, 1, &r);                 /* 5 */
    tq_pool(&g, AN_Q_AVGPOOL, 5, 3, 1, 0);   /* 6: global average */
    tq_flatten(&g, 6);                       /* 7 */
    tq_dense(&g, 7, 5, 0, &r);
    expect_group_equal(&g, 1, 1);
    expect_group_equal(&g, 4, 2);
    an_q_graph_free(&g);
}

/* validate(g) fails naming the layer and the field groups. */
static void expect_groups_error(const an_q_graph *g, const char *layer) {
    cr_assert_neq(an_q_graph_validate(g), AN_OK);
    cr_assert(strstr(an_errmsg(), "field groups") && strstr(an_errmsg(), layer), "%s", an_errmsg());
}

Test(quant_group, validator_names_layer_and_field) {
    an_rng r;
    an_rng_seed(&r, 3, 3);
    an_q_graph g;
    tq_graph(&g, 2, 6, 6, 8, 0.02f, 0);
    an_q_layer *l = tq_conv_g(&g, 0, 8, 3, 1, 1, 4, 0, &r);
    an_q_layer *p = tq_pool(&g, AN_Q_MAXPOOL, 1, 2, 2, 0);
    cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
    l->groups = 0;
    expect_groups_error(&g, "conv2d_1");
    l->groups = 3; /* 8 channels are not 3 groups */
    expect_groups_error(&g, "conv2d_1");
    l->groups = 8; /* divides both, but k is that of 4 groups */
    cr_assert_neq(an_q_graph_validate(&g), AN_OK);
    cr_assert(strstr(an_errmsg(), "field k"), "%s", an_errmsg());
    l->groups = 4;
    p->groups = 2; /* only conv2d has groups */
    expect_groups_error(&g, "maxpool_2");
    p->groups = 0;
    expect_groups_error(&g, "maxpool_2");
    p->groups = 1;
    cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
    an_q_graph_free(&g);
}

/* The version 2 image of a version 3 one: the groups field of every layer
** removed, the version and the checksum rewritten. */
static size_t downgrade_v2(uint8_t *b, size_t n) {
    size_t at = 8 + 8; /* magic, version, n_layers */
    const uint32_t nl = (uint32_t)an_le_get(b + 12, 4);
    at += 4 + (size_t)an_le_get(b + at, 4); /* calib */
    const uint32_t na = (uint32_t)an_le_get(b + at + 20, 4);
    at += 24 + 8 * (size_t)na; /* input */
    for (uint32_t i = 0; i < nl; i++) {
        const uint32_t op = (uint32_t)an_le_get(b + at, 4);
        const int64_t c = (int32_t)an_le_get(b + at + 4 + 96 + 16, 4);
        const int64_t k = (int32_t)an_le_get(b + at + 4 + 96 + 44 + 16, 4);
        const size_t g_at = at + 4 + 96 + 44 + 20; /* groups */
        cr_assert_eq(an_le_get(b + g_at, 4), 1);
        memmove(b + g_at, b + g_at + 4, n - g_at - 4);
        n -= 4;
        at = g_at;
        if (op == AN_Q_CONV2D || op == AN_Q_DENSE) at += (size_t)(c * k + 16 * c);
        if (op == AN_Q_ADD) at += 24;
    }
    b[8] = 2;
    const uint32_t crc = an_crc32(0, b, n - 4);
    for (int i = 0; i < 4; i++) b[n - 4 + i] = (uint8_t)(crc >> (8 * i));
    return n;
}

Test(quant_group, q8_keeps_groups_and_reads_version_2) {
    an_rng r;
    an_rng_seed(&r, 5, 5);
    an_q_graph g, h;
    tq_graph(&g, 4, 6, 6, 4, 0.02f, 3);
    tq_conv_g(&g, 0, 8, 3, 1, 1, 4, 1, &r);
    tq_conv_g(&g, 1, 8, 3, 1, 0, 2, 0, &r);
    tq_flatten(&g, 2);
    tq_dense(&g, 3, 3, 0, &r);
    uint8_t *b;
    size_t n;
    cr_assert_eq(an_q8_encode(&g, &b, &n), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_q8_parse(b, n, "g.q8", &h), AN_OK, "%s", an_errmsg());
    cr_assert_eq(h.layers[0].groups, 4);
    cr_assert_eq(h.layers[1].groups, 2);
    cr_assert_eq(h.layers[3].groups, 1);
    cr_assert(memcmp(h.layers[1].weights, g.layers[1].weights, (size_t)8 * 3 * 3 * 2) == 0);
    an_q_graph_free(&h);
    free(b);
    /* an ordinary graph written as version 2 still loads, with groups 1 */
    an_q_graph_free(&g);
    an_rng_seed(&r, 6, 6);
    tq_graph(&g, 4, 6, 6, 4, 0.02f, 3);
    tq_conv(&g, 0, 8, 3, 1, 1, 1, &r);
    tq_pool(&g, AN_Q_MAXPOOL, 1, 2, 2, 0);
    tq_flatten(&g, 2);
    tq_dense(&g, 3, 3, 0, &r);
    cr_assert_eq(an_q8_encode(&g, &b, &n), AN_OK, "%s", an_errmsg());
    n = downgrade_v2(b, n);
    cr_assert_eq(an_q8_parse(b, n, "v2.q8", &h), AN_OK, "%s", an_errmsg());
    for (int i = 0; i < h.n_layers; i++) cr_assert_eq(h.layers[i].groups, 1);
    cr_assert(memcmp(h.layers[3].weights, g.layers[3].weights, (size_t)3 * g.layers[3].k) == 0);
    an_q_graph_free(&h);
    free(b);
    an_q_graph_free(&g);
}
