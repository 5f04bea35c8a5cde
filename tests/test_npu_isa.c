/*
** The instruction set and the chip: encode/decode round trips of every
** instruction, the field table's layout, chip configurations (presets, the
** JSON files in configs/, rejected fields), and hand-written programs of a
** few instructions run on the executor (DMA padding, GEMM loops and
** accumulation, the vector unit), plus programs the loader must refuse
** (races, deadlock, uninitialised reads, leftover tokens).
*/
#include <criterion/criterion.h>

#include "asicnn/npu.h"
#include "asicnn/sim.h"

#include <stdlib.h>
#include <string.h>
#include "leakcheck.h"

TestSuite(npu_isa, .fini = leakcheck);

static an_isa_insn op(int code) {
    an_isa_insn d;
    memset(&d, 0, sizeof d);
    d.op = code;
    return d;
}

Test(npu_isa, field_table_layout) {
    for (int op_ = 0; op_ < AN_ISA_OP_COUNT; op_++) {
        an_insn used = {{0}};
        for (int i = 0; i < AN_ISA_FIELD_COUNT; i++) {
            const an_isa_field *f = &AN_ISA_FIELD_TABLE[i];
            if (!an_isa_field_of(f, op_)) continue;
            cr_assert(f->width >= 1 && f->width <= 32, "%s", f->name);
            cr_assert_eq(f->shift / 64, (f->shift + f->width - 1) / 64, "%s straddles words",
                         f->name);
            for (unsigned b = f->shift; b < f->shift + f->width; b++) {
                cr_assert_eq((used.w[b / 64] >> (b % 64)) & 1, 0, "%s: %s overlaps at bit %u",
                             AN_ISA_OP_NAME[op_], f->name, b);
                used.w[b / 64] |= UINT64_C(1) << (b % 64);
            }
        }
    }
    cr_assert_eq(AN_ISA_GEMM_act_SHIFT, 29);
    cr_assert_eq(AN_ISA_DMA_dram_WIDTH, 32);
}

Test(npu_isa, round_trip_every_instruction) {
    an_rng r;
    an_rng_seed(&r, 1, 1);
    for (int op_ = 0; op_ < AN_ISA_OP_COUNT; op_++)
        for (int rep = 0; rep < 200; rep++) {
            an_isa_insn d = op(op_), e;
            for (int i = 0; i < AN_ISA_FIELD_COUNT; i++) {
                const an_isa_field *f = &AN_ISA_FIELD_TABLE[i];
                if (!an_isa_field_of(f, op_) || strcmp(f->name, "op") == 0) continue;
                int64_t v = (int64_t)(((uint64_t)an_rng_u32(&r) << 32 | an_rng_u32(&r)) &
                                      ((UINT64_C(1) << f->width) - 1));
                if (rep == 0) v = (INT64_C(1) << f->width) - 1; /* all ones */
                if (f->is_signed && v >= (INT64_C(1) << (f->width - 1)))
                    v -= INT64_C(1) << f->width;
                *(int64_t *)((char *)&d + f->offset) = v;
            }
            an_insn w;
            uint8_t bytes[AN_ISA_BYTES];
            cr_assert_eq(an_isa_encode(&d, &w), AN_OK, "%s", an_errmsg());
            an_isa_to_bytes(&w, bytes);
            an_isa_from_bytes(bytes, &w);
            cr_assert_eq(an_isa_decode(&w, &e), AN_OK, "%s", an_errmsg());
            cr_assert_eq(memcmp(&d, &e, sizeof d), 0, "%s round trip", AN_ISA_OP_NAME[op_]);
            char buf[400];
            cr_assert(strstr(an_isa_format(&e, buf, sizeof buf), AN_ISA_OP_NAME[op_]));
        }
}

Test(npu_isa, encode_and_decode_errors) {
    an_isa_insn d = op(AN_ISA_GEMM);
    d.acc = 1 << 20;
    an_insn w;
    cr_assert_eq(an_isa_encode(&d, &w), AN_ERR_RANGE);
    cr_assert(strstr(an_errmsg(), "field acc = 1048576"), "%s", an_errmsg());
    d = op(AN_ISA_VEC);
    d.zp = 128;
    cr_assert_eq(an_isa_encode(&d, &w), AN_ERR_RANGE);
    memset(&w, 0, sizeof w);
    w.w[0] = 15;
    an_isa_insn e;
    cr_assert_eq(an_isa_decode(&w, &e), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "not an opcode"));
    w.w[0] = AN_ISA_SYNC, w.w[3] = 1;
    cr_assert_eq(an_isa_decode(&w, &e), AN_ERR_FORMAT);
    cr_assert(strstr(an_errmsg(), "reserved bits"), "%s", an_errmsg());
}

Test(npu_isa, presets_and_json_files) {
    for (int i = 0; AN_NPU_PRESETS[i]; i++) {
        an_npu_config a, b;
        cr_assert_eq(an_npu_config_get(AN_NPU_PRESETS[i], &a), AN_OK);
        cr_assert_eq(an_npu_config_validate(&a, "preset"), AN_OK, "%s", an_errmsg());
        char path[512];
        snprintf(path, sizeof path, "%s/../configs/%s.json", ASICNN_TEST_DIR, AN_NPU_PRESETS[i]);
        cr_assert_eq(an_npu_config_get(path, &b), AN_OK, "%s", an_errmsg());
        cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "configs/%s.json differs from the preset",
                     AN_NPU_PRESETS[i]);
        char *js = an_npu_config_json(&a);
        cr_assert_eq(an_npu_config_parse(js, "json", &b), AN_OK);
        cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
        free(js);
    }
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("tpu-v1-like", &c), AN_OK);
    cr_assert_eq(c.rows, 256);
    cr_assert_eq(c.act_bytes, 24 << 20);
}

/* Doubles that 15 digits do not carry (the fuzzer's find: a bandwidth of
** 4.111... came back one ulp off) round-trip exactly; plain ones stay short. */
Test(npu_isa, config_json_round_trips_every_double) {
    an_npu_config a, b;
    cr_assert_eq(an_npu_config_get(AN_NPU_PRESETS[0], &a), AN_OK);
    a.dram_bytes_per_cycle = 4.111111111111111;
    a.clock_mhz = 1.0 / 3.0;
    char *js = an_npu_config_json(&a);
    cr_assert_eq(an_npu_config_parse(js, "json", &b), AN_OK, "%s", an_errmsg());
    cr_assert(b.dram_bytes_per_cycle == a.dram_bytes_per_cycle && b.clock_mhz == a.clock_mhz, "%s",
              js);
    free(js);
    a.dram_bytes_per_cycle = 6.4;
    js = an_npu_config_json(&a);
    cr_assert(strstr(js, "6.4,") || strstr(js, "6.4\n"), "%s", js);
    free(js);
}

static void bad_config(const char *json, const char *want) {
    an_npu_config c;
    cr_assert_neq(an_npu_config_parse(json, "cfg.json", &c), AN_OK, "%s accepted", json);
    cr_assert(strstr(an_errmsg(), want), "%s: '%s' lacks '%s'", json, an_errmsg(), want);
    cr_assert(strstr(an_errmsg(), "cfg.json"));
}

Test(npu_isa, impossible_configs_name_the_field) {
    bad_config("{\"rows\": 0}", "field rows = 0");
    bad_config("{\"cols\": 12}", "field cols = 12");
    bad_config("{\"act_kib\": 0.0625}", "field act_kib");
    bad_config("{\"rows\": 64, \"cols\": 64, \"wgt_kib\": 4}", "field wgt_kib");
    bad_config("{\"acc_kib\": 0.5}", "field acc_kib");
    bad_config("{\"vector_lanes\": 3}", "field vector_lanes");
    bad_config("{\"dram_burst_bytes\": 48}", "field dram_burst_bytes");
    bad_config("{\"clock_mhz\": -1}", "field clock_mhz");
    bad_config("{\"rowz\": 16}", "unknown field 'rowz'");
    bad_config("{\"rows\": \"16\"}", "field rows must be a number");
    bad_config("[1, 2]", "not a JSON object");
    bad_config("{\"source\": 3}", "field source must be a string");
    an_npu_config d, e;
    cr_assert_eq(an_npu_config_parse("{\"source\": \"a paper\", \"rows\": 8}", "cfg.json", &d),
                 AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_npu_config_parse("{\"rows\": 8}", "cfg.json", &e), AN_OK);
    cr_assert_eq(memcmp(&d, &e, sizeof d), 0, "a source note changed the chip");
    an_npu_config c;
    cr_assert_neq(an_npu_config_get("no-such-chip", &c), AN_OK);
    cr_assert(strstr(an_errmsg(), "npu16"), "%s", an_errmsg());
}

/* A hand-written executable on npu16: DATA holds 256 bytes (i * 7), the
** input (32 bytes, values i - 16) sits at 1024, the output at 2048. */
static void mk_exe(an_npu_exe *x, const an_isa_insn *prog, int n, int out_bytes) {
    memset(x, 0, sizeof *x);
    cr_assert_eq(an_npu_config_get("npu16", &x->cfg), AN_OK);
    snprintf(x->source, sizeof x->source, "hand.npu");
    x->batch = 1, x->dram_size = 4096, x->data_size = 512;
    x->data = malloc(512);
    for (int i = 0; i < 512; i++) x->data[i] = (uint8_t)(i * 7);
    x->input = (an_tensor){.h = 4, .w = 4, .c = 2, .scale = 1.0f, .dram = 1024};
    x->output = (an_tensor){.h = 1, .w = 1, .c = out_bytes, .scale = 1.0f, .dram = 2048};
    x->n_affine = 1;
    x->in_mul = malloc(4), x->in_add = malloc(4);
    x->in_mul[0] = 1, x->in_add[0] = 0;
    x->n_insns = n;
    x->insns = malloc(sizeof *x->insns * (size_t)n);
    for (int i = 0; i < n; i++) cr_assert_eq(an_isa_encode(&prog[i], &x->insns[i]), AN_OK);
}

static void run_exe(an_npu_exe *x, int8_t *out) {
    cr_assert_eq(an_npu_validate(x), AN_OK, "%s", an_errmsg());
    int8_t in[32];
    for (int i = 0; i < 32; i++) in[i] = (int8_t)(i - 16);
    an_npu_sim *s;
    cr_assert_eq(an_npu_sim_create(&s, x), AN_OK);
    cr_assert_eq(an_npu_sim_run(s, in, out), AN_OK, "%s", an_errmsg());
    an_npu_sim_free(s);
}

Test(npu_isa, dma_padding_program) {
    an_isa_insn p[4] = {op(AN_ISA_LOAD), op(AN_ISA_SYNC), op(AN_ISA_STORE), op(AN_ISA_FINISH)};
    p[0].buf = AN_BUF_ACT, p[0].dram = 1024, p[0].ysize = 4, p[0].xsize = 4, p[0].xbytes = 2;
    p[0].pitch = 4, p[0].dram_ystride = 8, p[0].dram_xstride = 2, p[0].pad_top = 1;
    p[0].pad_left = 1, p[0].pad_value = -7, p[0].dep = AN_DEP_PUSH_NEXT;
    p[1].dep = AN_DEP_POP_PREV | AN_DEP_PUSH_NEXT;
    p[2].buf = AN_BUF_ACT, p[2].ysize = 1, p[2].xsize = 25, p[2].xbytes = 4, p[2].pitch = 4;
    p[2].dram = 2048, p[2].dram_xstride = 4, p[2].dep = AN_DEP_POP_PREV;
    an_npu_exe x;
    mk_exe(&x, p, 4, 100);
    int8_t out[100];
    run_exe(&x, out);
    for (int gy = 0; gy < 5; gy++)
        for (int gx = 0; gx < 5; gx++)
            for (int b = 0; b < 4; b++) {
                int want = -7;
                if (gy && gx && b < 2) want = ((gy - 1) * 4 + (gx - 1)) * 2 + b - 16;
                cr_assert_eq(out[(gy * 5 + gx) * 4 + b], want, "cell %d,%d byte %d", gy, gx, b);
            }
    an_npu_exe_free(&x);
}

Test(npu_isa, gemm_loops_accumulate_and_write) {
    /* weights: DATA[0, 256) as a 16x16 tile; activations: 2 rows of 16 from the input */
    an_isa_insn p[8] = {op(AN_ISA_LOAD), op(AN_ISA_LOAD), op(AN_ISA_PRELOAD), op(AN_ISA_GEMM),
                        op(AN_ISA_GEMM), op(AN_ISA_VEC),  op(AN_ISA_STORE),   op(AN_ISA_FINISH)};
    p[0].buf = AN_BUF_WGT, p[0].ysize = 16, p[0].xsize = 1, p[0].xbytes = p[0].pitch = 16;
    p[0].dram_ystride = 16, p[0].dep = AN_DEP_PUSH_NEXT;
    p[1].buf = AN_BUF_ACT, p[1].dram = 1024, p[1].ysize = 2, p[1].xsize = 1;
    p[1].xbytes = p[1].pitch = 16, p[1].dram_ystride = 16, p[1].dep = AN_DEP_PUSH_NEXT;
    p[2].dep = AN_DEP_POP_PREV;
    /* rows 0 and 1 -> acc 0 and 2 (overwrite), then row 1 again accumulated into acc 0 */
    p[3].acc = 0, p[3].act = 0, p[3].n_outer = 1, p[3].n_inner = 2, p[3].act_inner = 1;
    p[3].acc_inner = 2, p[3].dep = AN_DEP_POP_PREV;
    p[4].accumulate = 1, p[4].acc = 0, p[4].act = 1, p[4].n_outer = 1, p[4].n_inner = 1;
    p[5].vop = AN_VOP_WRITE, p[5].src = 0, p[5].n = 3, p[5].dst = 1024, p[5].vpitch = 16;
    p[5].dep = AN_DEP_PUSH_NEXT;
    /* acc row 1 was never written: write only rows 0..2 after initialising row 1 */
    an_isa_insn q[9];
    memcpy(q, p, 5 * sizeof *p);
    q[5] = op(AN_ISA_GEMM); /* row 1 = row 0 of act */
    q[5].acc = 1, q[5].n_outer = 1, q[5].n_inner = 1;
    memcpy(q + 6, p + 5, 3 * sizeof *p);
    q[7].buf = AN_BUF_ACT, q[7].sram = 1024, q[7].ysize = 1, q[7].xsize = 1;
    q[7].xbytes = q[7].pitch = 48, q[7].dram = 2048, q[7].dep = AN_DEP_POP_PREV;
    an_npu_exe x;
    mk_exe(&x, q, 9, 48);
    int8_t out[48];
    run_exe(&x, out);
    for (int row = 0; row < 3; row++)
        for (int c = 0; c < 16; c++) {
            int64_t acc = 0;
            for (int r = 0; r < 16; r++) {
                const int w = (int8_t)(uint8_t)((r * 16 + c) * 7);
                const int a0 = r - 16, a1 = 16 + r - 16;
                acc += (int64_t)(row == 0 ? a0 + a1 : row == 1 ? a0 : a1) * w;
            }
            const int want = acc < -128 ? -128 : acc > 127 ? 127 : (int)acc;
            cr_assert_eq(out[row * 16 + c], want, "row %d col %d", row, c);
        }
    an_npu_exe_free(&x);
}

static void refused(const an_isa_insn *p, int n, const char *want) {
    an_npu_exe x;
    mk_exe(&x, p, n, 16);
    cr_assert_eq(an_npu_validate(&x), AN_ERR_FORMAT, "accepted, wanted '%s'", want);
    cr_assert(strstr(an_errmsg(), want), "'%s' lacks '%s'", an_errmsg(), want);
    cr_assert(strstr(an_errmsg(), "hand.npu"), "%s", an_errmsg());
    an_npu_exe_free(&x);
}

/* GEMM max keeps the larger sum per lane; REQUANT with bias and wr8 adds the
** bias row, requantizes, clamps and writes int8 activation bytes in one pass. */
Test(npu_isa, gemm_max_and_fused_requant) {
    an_isa_insn p[9] = {op(AN_ISA_LOAD),    op(AN_ISA_LOAD),  op(AN_ISA_LOAD),
                        op(AN_ISA_PRELOAD), op(AN_ISA_GEMM),  op(AN_ISA_GEMM),
                        op(AN_ISA_VEC),     op(AN_ISA_STORE), op(AN_ISA_FINISH)};
    p[0].buf = AN_BUF_WGT, p[0].ysize = 16, p[0].xsize = 1, p[0].xbytes = p[0].pitch = 16;
    p[0].dram_ystride = 16, p[0].dep = AN_DEP_PUSH_NEXT;
    p[1].buf = AN_BUF_ACT, p[1].dram = 1024, p[1].ysize = 2, p[1].xsize = 1;
    p[1].xbytes = p[1].pitch = 16, p[1].dram_ystride = 16, p[1].dep = AN_DEP_PUSH_NEXT;
    /* accumulator rows 8, 9, 10: multiplier, shift, bias (int32 from DATA 256) */
    p[2].buf = AN_BUF_ACC, p[2].sram = 8 * 64, p[2].dram = 256, p[2].ysize = 1, p[2].xsize = 1;
    p[2].xbytes = p[2].pitch = 192, p[2].dram_ystride = 192;
    p[3].dep = AN_DEP_POP_PREV;
    p[4].acc = 0, p[4].act = 0, p[4].n_outer = 1, p[4].n_inner = 1, p[4].dep = AN_DEP_POP_PREV;
    p[5] = p[4], p[5].act = 1, p[5].accumulate = 1, p[5].max = 1, p[5].dep = 0;
    p[6].vop = AN_VOP_REQUANT, p[6].wr8 = 1, p[6].bias = 1, p[6].src = 0, p[6].n = 1;
    p[6].dst = 2048, p[6].vpitch = 16, p[6].prm = 8, p[6].zp = 3, p[6].clamp = 1;
    p[6].lo = -100, p[6].hi = 90, p[6].dep = AN_DEP_PUSH_NEXT;
    p[7].buf = AN_BUF_ACT, p[7].sram = 2048, p[7].ysize = 1, p[7].xsize = 1;
    p[7].xbytes = p[7].pitch = 16, p[7].dram = 2048, p[7].dep = AN_DEP_POP_PREV;
    an_npu_exe x;
    mk_exe(&x, p, 9, 16);
    int32_t prm[3][16];
    for (int c = 0; c < 16; c++)
        prm[0][c] = (1 << 30) + c * 4099, prm[1][c] = -(c % 5), prm[2][c] = c * 311 - 2400;
    memcpy(x.data + 256, prm, sizeof prm); /* little-endian int32, as the chip reads them */
    int8_t out[16];
    run_exe(&x, out);
    for (int c = 0; c < 16; c++) {
        int32_t s0 = 0, s1 = 0;
        for (int r = 0; r < 16; r++) {
            const int w = (int8_t)(uint8_t)((r * 16 + c) * 7);
            s0 += (r - 16) * w, s1 += r * w;
        }
        const int32_t m = s0 > s1 ? s0 : s1;
        int32_t v = an_q_mul_by_quantized(m + prm[2][c], prm[0][c], prm[1][c]) + 3;
        v = v < -100 ? -100 : v > 90 ? 90 : v;
        cr_assert_eq(out[c], v, "lane %d: %d, want %d", c, out[c], v);
    }
    an_npu_exe_free(&x);
    /* max needs accumulate */
    p[5].accumulate = 0;
    refused(p, 9, "field max = 1 needs accumulate");
}

Test(npu_isa, unsafe_programs_are_refused) {
    an_isa_insn ld = op(AN_ISA_LOAD), st = op(AN_ISA_STORE), fin = op(AN_ISA_FINISH);
    ld.buf = AN_BUF_ACT, ld.dram = 1024, ld.ysize = 1, ld.xsize = 1, ld.xbytes = ld.pitch = 16;
    st.buf = AN_BUF_ACT, st.dram = 2048, st.ysize = 1, st.xsize = 1, st.xbytes = st.pitch = 16;
    an_isa_insn widen = op(AN_ISA_VEC);
    widen.vop = AN_VOP_WIDEN, widen.n = 1, widen.vpitch = 16;
    /* load then a compute read without a token: a race */
    an_isa_insn a[4] = {ld, widen, st, fin};
    refused(a, 4, "races with instruction 0");
    /* store waits for a token nobody pushes */
    an_isa_insn b[3] = {ld, st, fin};
    b[1].dep = AN_DEP_POP_PREV;
    refused(b, 3, "deadlock");
    /* the array used before any PRELOAD */
    an_isa_insn g = op(AN_ISA_GEMM);
    g.n_outer = g.n_inner = 1;
    an_isa_insn c[2] = {g, fin};
    refused(c, 2, "uninitialised array");
    /* a store of bytes nothing wrote */
    an_isa_insn d[2] = {st, fin};
    refused(d, 2, "uninitialised act");
    /* a token nobody pops */
    an_isa_insn e[5] = {ld, op(AN_ISA_SYNC), st, fin};
    e[0].dep = AN_DEP_PUSH_NEXT, e[1].dep = AN_DEP_POP_PREV | AN_DEP_PUSH_NEXT | AN_DEP_PUSH_PREV;
    e[2].dep = AN_DEP_POP_PREV;
    refused(e, 4, "left in the compute->load FIFO");
    /* the load queue has no previous neighbour */
    an_isa_insn f[3] = {ld, fin};
    f[0].dep = AN_DEP_POP_PREV;
    refused(f, 2, "no previous neighbour");
    /* addresses outside the chip */
    an_isa_insn h[3] = {ld, fin};
    h[0].sram = 65536 - 8;
    refused(h, 2, "pass the end of the act buffer");
    h[0].sram = 0, h[0].dram = 4090;
    refused(h, 2, "end of DRAM");
    /* FINISH in the middle, or missing; and the output never written */
    an_isa_insn k[2] = {fin, op(AN_ISA_SYNC)};
    refused(k, 2, "FINISH before the end");
    refused(k + 1, 1, "does not end with FINISH");
    refused(&fin, 1, "never written");
}
