/*
** Compiled layers on the simulated chip against the integer reference
** engine, byte for byte on every tensor that reaches DRAM: awkward shapes
** (channels not a multiple of the array, odd sizes, 1x1 and 5x5 kernels,
** stride 2, same padding), both conv lowerings, fused and standalone pools,
** residual adds, host fallbacks, batch > 1, on several chips including
** tiny buffers that force heavy tiling and a non-square array.
*/
#include "test_quant_util.h"

#include "asicnn/arch.h"
#include "asicnn/hw.h"
#include "asicnn/npu.h"
#include "asicnn/sim.h"
#include "leakcheck.h"

TestSuite(npu_layers, .fini = leakcheck);

/* A 4x8 array with tiny buffers: every layer is cut into many tiles. */
static an_npu_config tiny(void) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    snprintf(c.name, sizeof c.name, "tiny4x8");
    c.rows = 4, c.cols = 8, c.vec_lanes = 4;
    c.act_bytes = 2048, c.wgt_bytes = 128, c.acc_bytes = 16 * 32 * 2;
    c.insn_depth = 8, c.token_depth = 4;
    cr_assert_eq(an_npu_config_validate(&c, "tiny"), AN_OK, "%s", an_errmsg());
    return c;
}

/* A timing model's hook: counts instructions per queue. */
static void count_hook(void *ctx, an_isa_queue q, int64_t index, const an_isa_insn *d) {
    (void)index, (void)d;
    ((int64_t *)ctx)[q]++;
}

/* Compile g for cfg, run batch random samples, compare with the reference. */
static void check(an_q_graph *g, const an_npu_config *cfg, int batch, an_npu_conv_choice conv,
                  uint32_t host, uint64_t seed) {
    cr_assert_eq(an_q_graph_validate(g), AN_OK, "%s", an_errmsg());
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.batch = batch, o.conv = conv, o.host_ops = host;
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(g, cfg, &o, NULL, 0, &x, NULL), AN_OK, "%s: %s", cfg->name,
                 an_errmsg());
    /* through the file format and the loader */
    uint8_t *buf;
    size_t n;
    cr_assert_eq(an_npu_serialize(&x, &buf, &n), AN_OK);
    an_npu_exe y;
    cr_assert_eq(an_npu_parse(buf, n, "layers.npu", &y), AN_OK, "%s", an_errmsg());
    free(buf);
    an_rng r;
    an_rng_seed(&r, seed, 7);
    const int64_t F = an_q_tensor_size(g, 0), N = an_q_tensor_size(g, g->n_layers);
    int8_t *in = malloc((size_t)(batch * F)), *out = malloc((size_t)(batch * N));
    tq_random_input(in, batch * F, &r);
    an_npu_sim *sim;
    cr_assert_eq(an_npu_sim_create(&sim, &y), AN_OK);
    int64_t seen[AN_QUEUE_COUNT] = {0};
    an_npu_sim_set_hook(sim, count_hook, seen);
    cr_assert_eq(an_npu_sim_run(sim, in, out), AN_OK, "%s", an_errmsg());
    cr_assert_eq(seen[0] + seen[1] + seen[2], y.n_insns);
    for (int q = 0; q < AN_QUEUE_COUNT; q++) cr_assert_eq(seen[q], an_npu_sim_count(sim, q));
    an_q_engine *e;
    cr_assert_eq(an_q_engine_create(&e, g, batch, AN_Q_IMPL_REF), AN_OK);
    an_q_engine_run(e, in, batch);
    const uint8_t *dram = an_npu_sim_dram(sim);
    int checked = 0;
    for (int i = 0; i < g->n_layers; i++) {
        if (y.layers[i].out_dram < 0) continue;
        const int64_t sz = an_q_tensor_size(g, i + 1);
        const int8_t *want = an_q_engine_tensor(e, i + 1);
        const int8_t *got = (const int8_t *)dram + y.layers[i].out_dram;
        for (int64_t k = 0; k < batch * sz; k++)
            cr_assert_eq(got[k], want[k], "%s: layer %d (%s, %s) element %lld: chip %d, ref %d",
                         cfg->name, i, g->layers[i].name, AN_NPU_MODE_NAME[y.layers[i].mode],
                         (long long)k, got[k], want[k]);
        checked++;
    }
    cr_assert(checked >= 1);
    cr_assert_eq(memcmp(out, an_q_engine_tensor(e, g->n_layers), (size_t)(batch * N)), 0);
    an_q_engine_free(e);
    an_npu_sim_free(sim);
    free(in);
    free(out);
    an_npu_exe_free(&x);
    an_npu_exe_free(&y);
}

/* Every preset plus the tiny chip. */
static void on_all_chips(an_q_graph *g, int batch, an_npu_conv_choice conv, uint32_t host,
                         uint64_t seed) {
    for (int i = 0; AN_NPU_PRESETS[i]; i++) {
        an_npu_config c;
        cr_assert_eq(an_npu_config_get(AN_NPU_PRESETS[i], &c), AN_OK);
        check(g, &c, batch, conv, host, seed);
    }
    an_npu_config t = tiny();
    check(g, &t, batch, conv, host, seed);
}

static void conv_case(int H, int W, int C, int OC, int k, int s, int same, int act,
                      an_npu_conv_choice conv, uint64_t seed) {
    an_rng r;
    an_rng_seed(&r, seed, 1);
    an_q_graph g;
    tq_graph(&g, 1, H, W, C, 0.02f, (int)an_rng_below(&r, 100) - 50);
    tq_conv(&g, 0, OC, k, s, same, act, &r);
    on_all_chips(&g, 2, conv, 0, seed);
    an_q_graph_free(&g);
}

Test(npu_layers, conv_3x3_same_odd_channels) {
    conv_case(7, 9, 3, 5, 3, 1, 1, 1, AN_NPU_CONV_AUTO, 1);
    conv_case(7, 9, 3, 5, 3, 1, 1, 0, AN_NPU_CONV_KPOS, 2);
    conv_case(7, 9, 3, 5, 3, 1, 1, 2, AN_NPU_CONV_IM2COL, 3);
}

Test(npu_layers, conv_5x5_stride2_wide_channels) {
    conv_case(11, 10, 20, 17, 5, 2, 0, 1, AN_NPU_CONV_KPOS, 4);
    conv_case(11, 10, 20, 17, 5, 2, 1, 0, AN_NPU_CONV_IM2COL, 5);
}

Test(npu_layers, conv_1x1_and_stride2_same) {
    conv_case(5, 6, 33, 9, 1, 1, 0, 1, AN_NPU_CONV_AUTO, 6);
    conv_case(9, 9, 8, 16, 3, 2, 1, 1, AN_NPU_CONV_AUTO, 7);
}

/* ResNet's downsampling: a strided 1x1 conv of a layer's output (lowered as
** a stride-1 conv of the subsampled view) beside a 3x3 stride-2 conv, then
** their add; odd sizes, so the view leaves the last row and column out. */
Test(npu_layers, conv_1x1_strided_subsampled_view) {
    const an_npu_conv_choice convs[3] = {AN_NPU_CONV_AUTO, AN_NPU_CONV_KPOS, AN_NPU_CONV_IM2COL};
    for (int k = 0; k < 3; k++) {
        an_rng r;
        an_rng_seed(&r, 40 + k, 1);
        an_q_graph g;
        tq_graph(&g, 4, 9, 7, 6, 0.02f, 3);
        tq_conv(&g, 0, 40, 3, 1, 1, 1, &r); /* t1: 9x7x40 */
        tq_conv(&g, 1, 24, 1, 2, 0, 0, &r); /* t2: 1x1 stride 2, 5x4x24 */
        tq_conv(&g, 1, 24, 3, 2, 1, 0, &r); /* t3: 3x3 stride 2 same, 5x4x24 */
        tq_add(&g, 3, 2, 1, &r);            /* t4 = relu(t3 + t2) */
        on_all_chips(&g, 2, convs[k], 0, 40 + k);
        an_q_graph_free(&g);
    }
}

Test(npu_layers, conv_pool_fused_and_dense) {
    for (int avg = 0; avg < 2; avg++) {
        an_rng r;
        an_rng_seed(&r, 10 + avg, 1);
        an_q_graph g;
        tq_graph(&g, 6, 13, 11, 2, 0.02f, -3);
        tq_conv(&g, 0, 12, 3, 1, 1, 1, &r);
        tq_pool(&g, avg ? AN_Q_AVGPOOL : AN_Q_MAXPOOL, 1, 3, 2, 1); /* same padding */
        tq_conv(&g, 2, 7, 3, 1, 0, 1, &r);
        tq_pool(&g, avg ? AN_Q_MAXPOOL : AN_Q_AVGPOOL, 3, 2, 2, 0);
        tq_flatten(&g, 4);
        tq_dense(&g, 5, 13, 0, &r);
        on_all_chips(&g, 3, AN_NPU_CONV_AUTO, 0, 20 + avg);
        an_q_graph_free(&g);
    }
}

static void residual_graph(an_q_graph *g, an_rng *r) {
    tq_graph(g, 7, 8, 8, 3, 0.03f, 5);
    tq_conv(g, 0, 10, 3, 1, 1, 1, r);     /* t1 */
    tq_conv(g, 1, 10, 3, 1, 1, 0, r);     /* t2 */
    tq_add(g, 2, 1, 1, r);                /* t3 = relu(t2 + t1) */
    tq_pool(g, AN_Q_MAXPOOL, 3, 2, 2, 0); /* t4: standalone (after an add) */
    tq_pool(g, AN_Q_AVGPOOL, 4, 3, 1, 1); /* t5: standalone, same padding */
    tq_flatten(g, 5);                     /* t6 */
    tq_dense(g, 6, 4, 0, r);              /* t7 */
}

Test(npu_layers, residual_add_and_vector_pools) {
    an_rng r;
    an_rng_seed(&r, 30, 1);
    an_q_graph g;
    residual_graph(&g, &r);
    on_all_chips(&g, 2, AN_NPU_CONV_AUTO, 0, 31);
    an_q_graph_free(&g);
}

Test(npu_layers, host_fallback) {
    an_rng r;
    an_rng_seed(&r, 40, 1);
    an_q_graph g;
    residual_graph(&g, &r);
    const uint32_t host = 1u << AN_Q_ADD | 1u << AN_Q_MAXPOOL | 1u << AN_Q_AVGPOOL;
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    check(&g, &c, 2, AN_NPU_CONV_AUTO, host, 41);
    an_npu_config t = tiny();
    check(&g, &t, 1, AN_NPU_CONV_AUTO, 1u << AN_Q_ADD, 42);
    /* conv cannot go to the host */
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.host_ops = 1u << AN_Q_CONV2D;
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_ERR_UNSUPPORTED);
    cr_assert(strstr(an_errmsg(), "must run on the chip"), "%s", an_errmsg());
    an_q_graph_free(&g);
}

Test(npu_layers, print_after_every_pass) {
    an_rng r;
    an_rng_seed(&r, 50, 1);
    an_q_graph g;
    residual_graph(&g, &r);
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    for (int k = 0; AN_NPU_PASSES[k]; k++) {
        an_npu_compile_opts o = an_npu_compile_defaults();
        o.print_after = AN_NPU_PASSES[k];
        an_npu_exe x;
        char *dump = NULL;
        cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, &dump), AN_OK, "%s", an_errmsg());
        cr_assert(dump && strstr(dump, AN_NPU_PASSES[k]), "pass %s", AN_NPU_PASSES[k]);
        free(dump);
        an_npu_exe_free(&x);
    }
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.print_after = "nosuchpass";
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_ERR_USAGE);
    an_q_graph_free(&g);
}

/* A pool window larger than the tiny chip's accumulators goes to the host
** by itself (supports_op), and the executable records it. */
Test(npu_layers, pool_too_big_for_the_chip_falls_back) {
    an_rng r;
    an_rng_seed(&r, 60, 1);
    an_q_graph g;
    tq_graph(&g, 4, 9, 9, 2, 0.03f, 1);
    tq_conv(&g, 0, 3, 3, 1, 1, 1, &r);
    tq_add(&g, 1, 1, 0, &r);
    tq_pool(&g, AN_Q_AVGPOOL, 2, 9, 1, 0); /* global: 81 rows at once */
    tq_flatten(&g, 3);
    an_npu_config t = tiny();
    an_npu_compile_opts o = an_npu_compile_defaults();
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &t, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_eq(x.layers[2].mode, AN_NPU_MODE_HOST);
    cr_assert_eq(x.n_host, 1);
    cr_assert_eq(x.host[0].op, AN_Q_AVGPOOL);
    an_npu_exe_free(&x);
    check(&g, &t, 2, AN_NPU_CONV_AUTO, 0, 61);
    an_q_graph_free(&g);
}

/* A first convolution with few input channels reads its input as im2col
** rows the host writes (chosen by cost): the rows an_npu_write_input lays
** out against the window formula, and the network on every chip. */
/* A network whose first conv (k x k, stride 2, same padding, over an h x w
** x 3 input of zero point zp) alone reads the input: then a max pool (pk,
** stride 2, same padding or not) and a 3x3 conv; compiled for c at batch
** 2 into x. */
static void first_conv_net(an_q_graph *g, an_rng *r, int h, int w, int zp, int k, int pk, int psame,
                           const an_npu_config *c, an_npu_exe *x) {
    tq_graph(g, 3, h, w, 3, 0.02f, zp);
    tq_conv(g, 0, 20, k, 2, 1, 1, r);
    tq_pool(g, AN_Q_MAXPOOL, 1, pk, 2, psame);
    tq_conv(g, 2, 6, 3, 1, 1, 1, r);
    cr_assert_eq(an_q_graph_validate(g), AN_OK, "%s", an_errmsg());
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.batch = 2;
    cr_assert_eq(an_npu_compile(g, c, &o, NULL, 0, x, NULL), AN_OK, "%s", an_errmsg());
}

/* The DRAM of executable x (calloc'd) after the host wrote n random input
** bytes, drawn into in, in x's input layout. */
static uint8_t *written_input(const an_npu_exe *x, int8_t *in, int64_t n, an_rng *r) {
    tq_random_input(in, n, r);
    uint8_t *dram = calloc((size_t)x->dram_size, 1);
    cr_assert(dram);
    an_npu_write_input(x, in, dram);
    return dram;
}

Test(npu_layers, first_conv_reads_host_im2col_rows) {
    an_rng r;
    an_rng_seed(&r, 70, 1);
    an_q_graph g;
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_npu_exe x;
    first_conv_net(&g, &r, 12, 11, 9, 5, 2, 0, &c, &x); /* 5x5: 6x6x20 */
    cr_assert_eq(x.layers[0].mode, AN_NPU_MODE_IM2COL_IN);
    cr_assert_eq(x.layers[2].mode == AN_NPU_MODE_IM2COL_IN, 0);
    const an_npu_input_layout *L = &x.in_layout;
    cr_assert_eq(L->layout, AN_NPU_IN_IM2COL);
    cr_assert(L->kh == 5 && L->sh == 2 && L->pt == 1 && L->pl == 2 && L->oh == 6 && L->ow == 6);
    cr_assert_eq(L->rows_per_px, 5); /* 75 bytes in rows of 16 */
    const int64_t F = 12 * 11 * 3, PX = 5 * 16;
    cr_assert_eq(npu_input_bytes(&x), 36 * PX);
    int8_t in[2 * 12 * 11 * 3];
    uint8_t *dram = written_input(&x, in, 2 * F, &r);
    const int8_t *got = (const int8_t *)dram + x.input.dram;
    for (int b = 0; b < 2; b++)
        for (int oy = 0; oy < 6; oy++)
            for (int ox = 0; ox < 6; ox++)
                for (int k = 0; k < PX; k++) {
                    const int ky = k / 15, kx = k / 3 % 5, ch = k % 3;
                    const int iy = oy * 2 - 1 + ky, ix = ox * 2 - 2 + kx;
                    const int inside = k < 75 && iy >= 0 && iy < 12 && ix >= 0 && ix < 11;
                    const int8_t want = inside ? in[b * F + (iy * 11 + ix) * 3 + ch] : 9;
                    cr_assert_eq(got[(b * 36 + oy * 6 + ox) * PX + k], want,
                                 "sample %d pixel %d,%d byte %d", b, oy, ox, k);
                }
    free(dram);
    an_npu_exe_free(&x);
    on_all_chips(&g, 2, AN_NPU_CONV_AUTO, 0, 71);
    an_q_graph_free(&g);
}

/* A first convolution with a wide window and padding on a chip starved of
** DRAM bandwidth reads its input as kernel-row elements the host writes
** (chosen by cost: each padded input row once per tile, not a window per
** output pixel): the elements an_npu_write_input lays out against the
** formula, and the network, a max pool fused after it, on every chip. */
Test(npu_layers, first_conv_reads_host_kernel_rows) {
    an_rng r;
    an_rng_seed(&r, 72, 1);
    an_q_graph g;
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    c.dram_bytes_per_cycle = 1.0;
    an_npu_exe x;
    first_conv_net(&g, &r, 15, 13, -7, 7, 3, 1, &c, &x); /* 7x7: 8x7x20 */
    cr_assert_eq(x.layers[0].mode, AN_NPU_MODE_KPOS);
    const an_npu_input_layout *L = &x.in_layout;
    cr_assert_eq(L->layout, AN_NPU_IN_KROW);
    cr_assert(L->kh == 7 && L->kw == 7 && L->sh == 2 && L->pt == 3 && L->pl == 3 && L->oh == 8 &&
              L->ow == 7);
    cr_assert_eq(L->rows_per_px, 2); /* 21 bytes of a kernel row in rows of 16 */
    const int64_t F = 15 * 13 * 3, EL = 2 * 16, ROWS = 7 * 2 + 7;
    cr_assert_eq(npu_input_bytes(&x), ROWS * 7 * EL);
    int8_t in[2 * 15 * 13 * 3];
    uint8_t *dram = written_input(&x, in, 2 * F, &r);
    const int8_t *got = (const int8_t *)dram + x.input.dram;
    for (int b = 0; b < 2; b++)
        for (int row = 0; row < ROWS; row++)
            for (int ox = 0; ox < 7; ox++)
                for (int k = 0; k < EL; k++) {
                    const int iy = row - 3, ix = ox * 2 - 3 + k / 3, ch = k % 3;
                    const int inside = k < 21 && iy >= 0 && iy < 15 && ix >= 0 && ix < 13;
                    const int8_t want = inside ? in[b * F + (iy * 13 + ix) * 3 + ch] : -7;
                    cr_assert_eq(got[((b * ROWS + row) * 7 + ox) * EL + k], want,
                                 "sample %d row %d column %d byte %d", b, row, ox, k);
                }
    free(dram);
    an_npu_exe_free(&x);
    check(&g, &c, 2, AN_NPU_CONV_AUTO, 0, 73);
    on_all_chips(&g, 2, AN_NPU_CONV_AUTO, 0, 74);
    an_q_graph_free(&g);
}

/* A conv whose weights stream (a small weight buffer) on a chip with a
** small activation buffer and large accumulators: whole windows fit only
** tiles of a few pixels, each streaming every weight again, so the compiler
** splits the reduction into channel-block chunks although the window fits,
** and takes the whole output as one tile whose chunks feed every output
** block's partial sums: the weights stream once. Bit-exact. */
Test(npu_layers, reduction_split_to_stream_weights_once) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    snprintf(c.name, sizeof c.name, "small-act");
    c.act_bytes = 8 * 1024, c.wgt_bytes = 32 * 1024, c.acc_bytes = 128 * 1024;
    c.dram_bytes_per_cycle = 4.0;
    cr_assert_eq(an_npu_config_validate(&c, "small-act"), AN_OK, "%s", an_errmsg());
    an_rng r;
    an_rng_seed(&r, 75, 1);
    an_q_graph g;
    tq_graph(&g, 1, 6, 6, 128, 0.02f, 3);
    tq_conv(&g, 0, 64, 3, 1, 1, 1, &r); /* 73,728 bytes of weights */
    cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
    an_npu_compile_opts o = an_npu_compile_defaults();
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_eq(x.layers[0].mode, AN_NPU_MODE_KPOS);
    cr_assert_eq(x.layers[0].tiles, 1, "%d tiles", x.layers[0].tiles);
    an_npu_exe_free(&x);
    check(&g, &c, 2, AN_NPU_CONV_AUTO, 0, 76);
    an_q_graph_free(&g);
}

/* Bytes the program loads into the weight buffer. */
static int64_t weight_bytes_loaded(const an_npu_exe *x) {
    int64_t n = 0;
    for (int64_t i = 0; i < x->n_insns; i++) {
        an_isa_insn d;
        cr_assert_eq(an_isa_decode(&x->insns[i], &d), AN_OK);
        if (d.op == AN_ISA_LOAD && d.buf == AN_BUF_WGT) n += d.ysize * d.xsize * d.xbytes;
    }
    return n;
}

/* Weights larger than half the weight buffer but not than all of it, on a
** conv cut into several tiles by a small activation buffer: they load once
** into the whole buffer instead of streaming again for every tile (chosen
** by cost on a chip starved of DRAM bandwidth). Bit-exact. */
Test(npu_layers, weights_resident_in_the_whole_buffer) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    snprintf(c.name, sizeof c.name, "small-wgt");
    c.act_bytes = 8 * 1024, c.wgt_bytes = 16 * 1024, c.dram_bytes_per_cycle = 2.0;
    cr_assert_eq(an_npu_config_validate(&c, "small-wgt"), AN_OK, "%s", an_errmsg());
    an_rng r;
    an_rng_seed(&r, 77, 1);
    an_q_graph g;
    tq_graph(&g, 1, 12, 12, 32, 0.02f, -5);
    tq_conv(&g, 0, 48, 3, 1, 1, 1, &r); /* 9 x 2 x 3 tiles of 16 x 16 bytes: 13,824 */
    cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
    an_npu_compile_opts o = an_npu_compile_defaults();
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_gt(x.layers[0].tiles, 1);
    cr_assert_eq(weight_bytes_loaded(&x), 9 * 2 * 3 * 16 * 16);
    an_npu_exe_free(&x);
    check(&g, &c, 2, AN_NPU_CONV_AUTO, 0, 78);
    an_q_graph_free(&g);
}

/* Weight bytes layer l loads before its first LOAD into the activation
** buffer, and in all (*total). */
static int64_t weights_before_input(const an_npu_exe *x, int l, int64_t *total) {
    int64_t before = -1, n = 0;
    for (int64_t i = x->layers[l].first_insn; i < x->layers[l].first_insn + x->layers[l].n_insn;
         i++) {
        an_isa_insn d;
        cr_assert_eq(an_isa_decode(&x->insns[i], &d), AN_OK);
        if (d.op == AN_ISA_LOAD && d.buf == AN_BUF_ACT && before < 0) before = n;
        if (d.op == AN_ISA_LOAD && d.buf == AN_BUF_WGT) n += d.ysize * d.xsize * d.xbytes;
    }
    *total = n;
    return before;
}

/* A conv after a conv: its first input waits for the conv before to store
** it, so the load queue first loads weights that wait for nothing: with
** resident weights the first output block's only (the others after the
** input), with streamed weights the first group. Bit-exact. */
Test(npu_layers, weights_load_before_the_first_input) {
    for (int streamed = 0; streamed < 2; streamed++) {
        an_npu_config c;
        cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
        snprintf(c.name, sizeof c.name, "%s", streamed ? "small-wgt" : "npu16");
        if (streamed) c.wgt_bytes = 4 * 1024; /* a half: 8 tiles of 16 x 16 */
        cr_assert_eq(an_npu_config_validate(&c, c.name), AN_OK, "%s", an_errmsg());
        an_rng r;
        an_rng_seed(&r, 81, 1);
        an_q_graph g;
        tq_graph(&g, 2, 20, 20, 8, 0.02f, 3);
        tq_conv(&g, 0, 32, 3, 1, 1, 1, &r);
        tq_conv(&g, 1, 48, 3, 1, 1, 0, &r); /* 9 x 2 tiles a block, 3 blocks */
        cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
        an_npu_compile_opts o = an_npu_compile_defaults();
        o.conv = AN_NPU_CONV_KPOS;
        an_npu_exe x;
        cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
        int64_t total;
        const int64_t before = weights_before_input(&x, 1, &total);
        const int64_t tile = 16 * 16;
        cr_assert_eq(total % (9 * 2 * tile), 0);
        cr_assert_geq(total, 3 * 9 * 2 * tile);
        cr_assert_eq(before, streamed ? 8 * tile : 9 * 2 * tile, "%s: %lld of %lld bytes", c.name,
                     (long long)before, (long long)total);
        an_npu_exe_free(&x);
        check(&g, &c, 1, AN_NPU_CONV_KPOS, 0, 82 + streamed);
        an_q_graph_free(&g);
    }
}

/* A dense after a conv, one tile: its input is the whole output of the
** conv, ready only at its end, so all of its resident weights load before
** it (the seed CNN's dense_1). Bit-exact. */
Test(npu_layers, one_tile_loads_its_weights_before_its_input) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_rng r;
    an_rng_seed(&r, 87, 1);
    an_q_graph g;
    tq_graph(&g, 3, 8, 8, 16, 0.02f, 3);
    tq_conv(&g, 0, 16, 3, 1, 1, 1, &r);
    tq_flatten(&g, 1);
    tq_dense(&g, 2, 48, 0, &r); /* 3 blocks */
    cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
    an_npu_compile_opts o = an_npu_compile_defaults();
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    int64_t total;
    const int64_t before = weights_before_input(&x, 2, &total);
    cr_assert_eq(total, 3 * 64 * 16 * 16);
    cr_assert_eq(before, total, "%lld of %lld bytes", (long long)before, (long long)total);
    an_npu_exe_free(&x);
    check(&g, &c, 1, AN_NPU_CONV_AUTO, 0, 88);
    an_q_graph_free(&g);
}

/* Conv tiles' inputs take the input region as a ring: each tile's input
** starts at the R-aligned end of the one before (the next layer's first
** too), or further on at the region's middle, or at its start; never on
** the one before's bytes (it loads before that one's GEMMs). So inputs lie
** at more than the two places of alternating halves. Bit-exact. */
Test(npu_layers, tile_inputs_fill_the_input_region_as_a_ring) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    snprintf(c.name, sizeof c.name, "small-act");
    c.act_bytes = 8 * 1024, c.acc_bytes = 4 * 1024;
    cr_assert_eq(an_npu_config_validate(&c, c.name), AN_OK, "%s", an_errmsg());
    an_rng r;
    an_rng_seed(&r, 85, 1);
    an_q_graph g;
    tq_graph(&g, 2, 24, 24, 16, 0.02f, 3);
    tq_conv(&g, 0, 16, 3, 1, 1, 1, &r);
    tq_conv(&g, 1, 16, 3, 1, 1, 0, &r);
    cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.conv = AN_NPU_CONV_KPOS;
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_gt(x.layers[0].tiles, 2);
    cr_assert_gt(x.layers[1].tiles, 2);
    int64_t lo = -1, hi = -1, loads = 0, adjacent = 0, places[64], n_places = 0;
    for (int64_t i = 0; i < x.n_insns; i++) {
        an_isa_insn d;
        cr_assert_eq(an_isa_decode(&x.insns[i], &d), AN_OK);
        if (d.op != AN_ISA_LOAD || d.buf != AN_BUF_ACT) continue;
        const int64_t end = npu_dma_sram_end(&d);
        if (hi >= 0) {
            const int64_t next = (hi + c.rows - 1) / c.rows * c.rows;
            cr_assert(d.sram >= next || end <= lo, "load %lld [%lld, %lld) on [%lld, %lld)",
                      (long long)loads, (long long)d.sram, (long long)end, (long long)lo,
                      (long long)hi);
            adjacent += d.sram == next && next > 0;
        }
        int seen = 0;
        for (int k = 0; k < n_places; k++) seen |= places[k] == d.sram;
        if (!seen && n_places < 64) places[n_places++] = d.sram;
        lo = d.sram, hi = end, loads++;
    }
    cr_assert_gt(n_places, 2);
    cr_assert_gt(adjacent, 0);
    an_npu_exe_free(&x);
    check(&g, &c, 1, AN_NPU_CONV_KPOS, 0, 86);
    an_q_graph_free(&g);
}

/* Cycles of x's program on the timing model, and (cleared) with every
** VEC's nodrain cleared (still a valid program: it only waits longer). */
static int64_t cycles_of(an_npu_exe *x, int cleared) {
    for (int64_t i = 0; i < x->n_insns && cleared; i++) {
        an_isa_insn d;
        cr_assert_eq(an_isa_decode(&x->insns[i], &d), AN_OK);
        d.nodrain = 0;
        cr_assert_eq(an_isa_encode(&d, &x->insns[i]), AN_OK);
    }
    cr_assert_eq(an_npu_validate(x), AN_OK, "%s", an_errmsg());
    an_profile p;
    cr_assert_eq(an_npu_profile_run(x, NULL, NULL, &p), AN_OK, "%s", an_errmsg());
    const int64_t cycles = p.cycles;
    an_profile_free(&p);
    return cycles;
}

/* A fused add's passes after its WIDEN wait only for each other, not for
** the array to drain (nodrain), where two accumulator slots alternate:
** the program sets the flag, and takes fewer cycles than with it cleared.
** Bit-exact. */
Test(npu_layers, fused_add_passes_start_before_the_drain) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_rng r;
    an_rng_seed(&r, 89, 1);
    an_q_graph g;
    tq_graph(&g, 3, 14, 14, 32, 0.02f, 3);
    tq_conv(&g, 0, 64, 3, 1, 1, 1, &r); /* t1 */
    tq_conv(&g, 1, 64, 1, 1, 1, 0, &r); /* t2 */
    tq_add(&g, 2, 1, 1, &r);            /* t3: fused */
    cr_assert_eq(an_q_graph_validate(&g), AN_OK, "%s", an_errmsg());
    an_npu_compile_opts o = an_npu_compile_defaults();
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    int64_t n = 0;
    for (int64_t i = 0; i < x.n_insns; i++) {
        an_isa_insn d;
        cr_assert_eq(an_isa_decode(&x.insns[i], &d), AN_OK);
        n += d.op == AN_ISA_VEC && d.nodrain;
    }
    cr_assert_gt(n, 0);
    const int64_t with = cycles_of(&x, 0), without = cycles_of(&x, 1);
    cr_assert_lt(with, without, "%lld vs %lld cycles", (long long)with, (long long)without);
    an_npu_exe_free(&x);
    check(&g, &c, 1, AN_NPU_CONV_AUTO, 0, 90);
    an_q_graph_free(&g);
}

/* Give conv l the output scale s; its multipliers stay (the weight scales
** follow), so the integers it computes do not change. */
static void conv_scale(an_q_layer *l, float s) {
    for (int oc = 0; oc < l->c; oc++) l->w_scale[oc] *= s / l->scale;
    l->scale = s;
}

/* A residual add whose input scales are equal or a power of two apart
** rescales those inputs by exact shifts, which the chip folds into the
** passes that widen them (fused into the conv, or on its own after another
** add); bit-exact on every chip for each ratio, and for one that is not. */
Test(npu_layers, add_inputs_rescaled_by_exact_shifts) {
    const float ratio[4] = {1.0f, 0.25f, 4.0f, 0.3f};
    for (int i = 0; i < 4; i++) {
        an_rng r;
        an_rng_seed(&r, 80 + i, 1);
        an_q_graph g;
        tq_graph(&g, 5, 7, 6, 3, 0.03f, 4);
        conv_scale(tq_conv(&g, 0, 12, 3, 1, 1, 1, &r), 0.04f);            /* t1 */
        conv_scale(tq_conv(&g, 1, 12, 3, 1, 1, 0, &r), 0.04f * ratio[i]); /* t2 */
        tq_add(&g, 2, 1, 1, &r);                                          /* t3: fused */
        tq_add(&g, 3, 1, 0, &r);                                          /* t4: standalone */
        const an_q_layer *a = &g.layers[2]; /* both sides exact but with 0.3 */
        cr_assert_eq(a->add_mult[0] == a->add_mult[1] && a->add_mult[0] == INT32_C(1) << 30, i < 3);
        on_all_chips(&g, 2, AN_NPU_CONV_AUTO, 0, 90 + i);
        an_q_graph_free(&g);
    }
}

/* Whether the line of text that holds key also holds what. */
static int line_has(const char *text, const char *key, const char *what) {
    const char *k = strstr(text, key);
    if (!k) return 0;
    const char *end = strchr(k, '\n'), *w = strstr(k, what);
    return w && (!end || w < end);
}

/* The smallest chip the validator accepts with a tall array (64x8: 512
** bytes of activations, an input half of 3 rows of 64): one pixel of a 5x5
** conv over 8 channels needs 25 rows (4 as im2col), so its reduction is
** split down to kernel columns (some chunks wholly in the padding), and a
** 3x3 conv over 32 channels down to kernel rows; a dense over 1152 inputs
** splits its channel blocks, each chunk loaded once for its two output
** blocks (both blocks' partial sums held); a
** global max pool that crowds the accumulators leaves its conv and runs on
** the host. Bit-exact with the reference engine. */
Test(npu_layers, reduction_split_on_a_minimal_chip) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    snprintf(c.name, sizeof c.name, "min64x8");
    c.rows = 64, c.cols = 8, c.vec_lanes = 8;
    c.act_bytes = 8 * 64, c.wgt_bytes = 2 * 64 * 8, c.acc_bytes = 16 * 8 * 4;
    cr_assert_eq(an_npu_config_validate(&c, "min"), AN_OK, "%s", an_errmsg());
    an_rng r;
    an_rng_seed(&r, 70, 1);
    an_q_graph g;
    tq_graph(&g, 5, 6, 6, 8, 0.03f, 5);
    tq_conv(&g, 0, 32, 5, 1, 1, 1, &r); /* 6x6x32 */
    tq_flatten(&g, 1);
    tq_dense(&g, 2, 12, 1, &r);
    tq_conv(&g, 1, 3, 3, 1, 1, 1, &r);
    tq_pool(&g, AN_Q_MAXPOOL, 4, 6, 1, 0); /* global: 36 rows */
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.print_after = "tile", o.conv = AN_NPU_CONV_KPOS;
    an_npu_exe x;
    char *dump = NULL;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, &dump), AN_OK, "%s", an_errmsg());
    /* the convs split down to one kernel row, the dense its channel blocks */
    cr_assert(line_has(dump, "conv2d_1 ", "reduction split 1x"), "%s", dump);
    cr_assert(line_has(dump, "dense_3 ", "reduction split 1x1x3 (6 chunks, every block held)"),
              "%s", dump);
    cr_assert(line_has(dump, "conv2d_4 ", "reduction split 1x"), "%s", dump);
    cr_assert_eq(x.layers[4].mode, AN_NPU_MODE_HOST);
    free(dump);
    an_npu_exe_free(&x);
    check(&g, &c, 2, AN_NPU_CONV_KPOS, 0, 71);
    check(&g, &c, 1, AN_NPU_CONV_AUTO, 0, 72);
    check(&g, &c, 1, AN_NPU_CONV_IM2COL, 0, 73);
    an_q_graph_free(&g);
}

/* Resident input (docs/npu.md, "resident input"): on an 8x8 chip whose
** weight halves hold less than a 3x3 conv's weights over 16 channels
** (144 rows a block; halves of 160 rows: a block a group; of 96: one block
** in the whole buffer), whose 32 accumulator rows make 256 output pixels
** many tiles and whose DRAM moves a byte in two cycles, the 18x18x16 padded input
** (5,184 bytes) loads once into an input half of 6,144 and the groups run
** outside the tiles; then a 1x1 conv with a fused residual add of the first
** conv's output, its input across both halves. Bit-exact with the reference
** engine at batch 1. */
Test(npu_layers, resident_input_weight_groups) {
    const int wrows[2] = {160, 96};
    const char *form[2] = {"weights a group of blocks at a time", "in the whole buffer"};
    for (int v = 0; v < 2; v++) {
        an_npu_config c;
        cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
        snprintf(c.name, sizeof c.name, "res8x8");
        c.rows = 8, c.cols = 8, c.vec_lanes = 8;
        c.act_bytes = 16384, c.wgt_bytes = 2 * wrows[v] * 8, c.acc_bytes = 32 * 8 * 4;
        c.dram_bytes_per_cycle = 0.5; /* the weights dominate */
        cr_assert_eq(an_npu_config_validate(&c, "res"), AN_OK, "%s", an_errmsg());
        an_rng r;
        an_rng_seed(&r, 80 + v, 1);
        an_q_graph g;
        tq_graph(&g, 3, 16, 16, 16, 0.03f, 3);
        tq_conv(&g, 0, 32, 3, 1, 1, 0, &r); /* 16x16x32 */
        tq_conv(&g, 1, 32, 1, 1, 1, 0, &r);
        tq_add(&g, 2, 1, 1, &r);
        an_npu_compile_opts o = an_npu_compile_defaults();
        o.print_after = "tile";
        an_npu_exe x;
        char *dump = NULL;
        cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, &dump), AN_OK, "%s", an_errmsg());
        cr_assert(line_has(dump, "conv2d_1 ", "input resident"), "%s", dump);
        cr_assert(line_has(dump, "conv2d_1 ", form[v]), "%s", dump);
        free(dump);
        an_npu_exe_free(&x);
        check(&g, &c, 1, AN_NPU_CONV_AUTO, 0, 90 + v);
        an_q_graph_free(&g);
    }
}

/* A conv of the given groups (depthwise: groups = input channels = oc). */
static an_q_layer *gconv(an_q_graph *g, int in, int oc, int groups, int k, int s, int same, int act,
                         an_rng *r) {
    const an_tensor t = an_q_tensor_info(g, in);
    an_q_layer *l = tq_push(g, AN_Q_CONV2D, in);
    l->kh = l->kw = k, l->sh = l->sw = s, l->groups = groups;
    l->h = tq_out(t.h, k, s, same), l->w = tq_out(t.w, k, s, same), l->c = oc;
    l->pt = tq_pad(t.h, k, s, same), l->pl = tq_pad(t.w, k, s, same);
    l->k = k * k * (t.c / groups);
    tq_fill_linear(g, l, r, act);
    return l;
}

/* Every chip of configs/ (the presets, test4x4, tiny-2x2, pynq-8x16, ...)
** plus the tiny 4x8 chip. */
static void on_config_chips(an_q_graph *g, int batch, an_npu_conv_choice conv, uint64_t seed) {
    static const char *const files[] = {"npu16",   "npu16-z7020", "nvdla-small-like", "pynq-8x16",
                                        "test4x4", "tiny-2x2",    "tpu-v1-like",      "vta-pynq"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/../configs/%s.json", ASICNN_TEST_DIR, files[i]);
        an_npu_config c;
        cr_assert_eq(an_npu_config_get(path, &c), AN_OK, "%s", an_errmsg());
        check(g, &c, batch, conv, 0, seed);
    }
    an_npu_config t = tiny();
    check(g, &t, batch, conv, 0, seed);
}

static void gconv_case(int H, int W, int C, int OC, int G, int k, int s, int same, int act,
                       an_npu_conv_choice conv, uint64_t seed) {
    an_rng r;
    an_rng_seed(&r, seed, 1);
    an_q_graph g;
    tq_graph(&g, 1, H, W, C, 0.02f, (int)an_rng_below(&r, 100) - 50);
    gconv(&g, 0, OC, G, k, s, same, act, &r);
    on_config_chips(&g, 2, conv, seed);
    an_q_graph_free(&g);
}

Test(npu_layers, depthwise_3x3_and_5x5) {
    gconv_case(9, 11, 20, 20, 20, 3, 1, 1, 2, AN_NPU_CONV_AUTO, 101); /* relu6, same */
    gconv_case(9, 11, 20, 20, 20, 3, 1, 1, 1, AN_NPU_CONV_KPOS, 102);
    gconv_case(12, 10, 33, 33, 33, 5, 2, 0, 0, AN_NPU_CONV_AUTO, 103); /* valid, stride 2 */
    gconv_case(12, 10, 33, 33, 33, 5, 2, 1, 1, AN_NPU_CONV_IM2COL, 104);
    gconv_case(8, 7, 3, 3, 3, 3, 2, 1, 2, AN_NPU_CONV_AUTO, 105);    /* few channels: packed */
    gconv_case(6, 6, 40, 80, 40, 3, 1, 1, 1, AN_NPU_CONV_AUTO, 106); /* 2 outputs a channel */
}

Test(npu_layers, grouped_convs) {
    gconv_case(7, 9, 40, 24, 4, 3, 1, 1, 1, AN_NPU_CONV_AUTO, 111);
    gconv_case(5, 6, 64, 48, 2, 1, 1, 0, 0, AN_NPU_CONV_AUTO, 112); /* 32-channel groups */
    gconv_case(9, 8, 48, 36, 3, 3, 2, 1, 1, AN_NPU_CONV_KPOS, 113);
    gconv_case(9, 8, 18, 12, 6, 5, 1, 1, 2, AN_NPU_CONV_AUTO, 114);
}

/* MobileNetV2's inverted residual (1x1 expand, relu6; depthwise 3x3,
** relu6; 1x1 project; add), then a depthwise stride 2 and a fused pool. */
Test(npu_layers, inverted_residual_block) {
    an_rng r;
    an_rng_seed(&r, 120, 1);
    an_q_graph g;
    tq_graph(&g, 6, 10, 10, 8, 0.03f, 3);
    tq_conv(&g, 0, 48, 1, 1, 0, 2, &r);    /* t1: expand */
    gconv(&g, 1, 48, 48, 3, 1, 1, 2, &r);  /* t2: depthwise */
    tq_conv(&g, 2, 8, 1, 1, 0, 0, &r);     /* t3: project */
    tq_add(&g, 3, 0, 0, &r);               /* t4: residual */
    gconv(&g, 4, 8, 8, 3, 2, 1, 1, &r);    /* t5: depthwise stride 2 */
    tq_pool(&g, AN_Q_MAXPOOL, 5, 2, 2, 0); /* t6 */
    on_config_chips(&g, 2, AN_NPU_CONV_AUTO, 121);
    an_q_graph_free(&g);
}

/* A depthwise conv on npu16 streams each output block's pixels through
** kh x kw weight tiles (the diagonal of its own 16 channels), not kh x kw x
** ncb (every channel block, all but one of them zero): its PE slots. */
Test(npu_layers, depthwise_reads_only_its_channel_block) {
    an_rng r;
    an_rng_seed(&r, 130, 1);
    an_q_graph g;
    tq_graph(&g, 1, 14, 14, 64, 0.03f, 3);
    gconv(&g, 0, 64, 64, 3, 1, 1, 2, &r);
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.conv = AN_NPU_CONV_KPOS;
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    const int64_t slots = 14 * 14 * 9 * (64 / 16) * 16 * 16;
    cr_assert_eq(x.layers[0].macs, slots, "PE slots %lld, want %lld", (long long)x.layers[0].macs,
                 (long long)slots);
    an_npu_exe_free(&x);
    check(&g, &c, 1, AN_NPU_CONV_KPOS, 0, 131);
    an_q_graph_free(&g);
}

/* Depthwise and grouped layers on the Verilated RTL of test4x4 (when this
** build has it): its final DRAM image (every layer's output) equals the
** simulator's, which equals the reference engine's (check), and its cycle
** count the timing model's. */
Test(npu_layers, depthwise_on_the_rtl) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get(ASICNN_TEST_DIR "/../configs/test4x4.json", &c), AN_OK, "%s",
                 an_errmsg());
    if (!an_hw_rtl_available(&c, NULL))
        cr_skip_test("no Verilated model for test4x4 in this build");
    an_rng r;
    an_rng_seed(&r, 140, 1);
    an_q_graph g;
    tq_graph(&g, 4, 7, 6, 6, 0.03f, -7);
    gconv(&g, 0, 6, 6, 3, 1, 1, 2, &r);    /* depthwise 3x3, same, relu6 */
    gconv(&g, 1, 6, 6, 5, 2, 1, 1, &r);    /* depthwise 5x5, stride 2 */
    gconv(&g, 2, 8, 2, 3, 1, 1, 1, &r);    /* grouped: 2 groups of 3 -> 4 */
    tq_pool(&g, AN_Q_MAXPOOL, 3, 2, 2, 0); /* fused into it */
    const int batch = 2;
    check(&g, &c, batch, AN_NPU_CONV_AUTO, 0, 141);
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.batch = batch;
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    const int64_t F = an_q_tensor_size(&g, 0), N = an_q_tensor_size(&g, g.n_layers);
    int8_t *in = malloc((size_t)(batch * F)), *out = malloc((size_t)(batch * N));
    tq_random_input(in, batch * F, &r);
    an_npu_sim *sim;
    cr_assert_eq(an_npu_sim_create(&sim, &x), AN_OK);
    cr_assert_eq(an_npu_sim_timing(sim, 0), AN_OK);
    cr_assert_eq(an_npu_sim_run(sim, in, out), AN_OK, "%s", an_errmsg());
    an_profile p;
    cr_assert_eq(an_npu_sim_profile(sim, &p), AN_OK);
    uint8_t *dram = calloc((size_t)x.dram_size, 1);
    memcpy(dram, x.data, (size_t)x.data_size);
    an_npu_write_input(&x, in, dram);
    an_hw_rtl_result rr;
    cr_assert_eq(an_hw_rtl_run(&x, dram, NULL, &rr), AN_OK, "%s", an_errmsg());
    const uint8_t *want = an_npu_sim_dram(sim);
    for (int64_t i = 0; i < x.dram_size; i++)
        cr_assert_eq(dram[i], want[i], "DRAM byte %lld: rtl %d, simulator %d", (long long)i,
                     dram[i], want[i]);
    cr_assert_eq(rr.cycles, p.cycles, "rtl %lld cycles, timing model %lld", (long long)rr.cycles,
                 (long long)p.cycles);
    cr_assert_gt(rr.cycles, 0);
    an_profile_free(&p);
    an_npu_sim_free(sim);
    free(dram);
    free(in);
    free(out);
    an_npu_exe_free(&x);
    an_q_graph_free(&g);
}
