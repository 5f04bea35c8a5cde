/*
** The .npu executable: save/load round trip, a validated deep copy, and a
** catalogue of corrupt and hostile files the loader must refuse with a
** clear message naming the file and what is wrong (never a crash):
** truncations, flipped bytes in every section, a bad magic, version or
** header checksum, and files with valid checksums but hostile fields
** (addresses outside the chip, unknown opcodes, reserved bits, tokens
** removed, impossible chips and tensors).
*/
#include "test_quant_util.h"

#include "asicnn/arch.h"
#include "asicnn/npu.h"

#include <unistd.h>
#include "leakcheck.h"

TestSuite(npu_exe, .fini = leakcheck);

/* conv + maxpool + add + dense, compiled for npu16 (batch 2), with its
** .q8 embedded; host != 0 sends the add to the host. */
static void build(an_npu_exe *x, uint8_t **buf, size_t *n, int host) {
    an_rng r;
    an_rng_seed(&r, 3, 1);
    an_q_graph g;
    tq_graph(&g, 6, 8, 8, 3, 0.03f, 2);
    tq_conv(&g, 0, 6, 3, 1, 1, 1, &r);
    tq_conv(&g, 1, 6, 3, 1, 1, 0, &r);
    tq_add(&g, 2, 1, 1, &r);
    tq_pool(&g, AN_Q_MAXPOOL, 3, 2, 2, 0);
    tq_flatten(&g, 4);
    tq_dense(&g, 5, 5, 0, &r);
    char *q8;
    size_t q8n;
    tq_q8_image(&g, &q8, &q8n);
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.batch = 2;
    if (host) o.host_ops = 1u << AN_Q_ADD;
    cr_assert_eq(an_npu_compile(&g, &c, &o, (const uint8_t *)q8, q8n, x, NULL), AN_OK, "%s",
                 an_errmsg());
    cr_assert_eq(an_npu_serialize(x, buf, n), AN_OK);
    free(q8);
    an_q_graph_free(&g);
}

static void refuse(const uint8_t *buf, size_t n, const char *want) {
    an_npu_exe y;
    cr_assert_neq(an_npu_parse(buf, n, "bad.npu", &y), AN_OK, "accepted; wanted '%s'", want);
    cr_assert(strstr(an_errmsg(), "bad.npu"), "'%s' does not name the file", an_errmsg());
    if (want) cr_assert(strstr(an_errmsg(), want), "'%s' lacks '%s'", an_errmsg(), want);
}

Test(npu_exe, round_trip_and_file) {
    an_npu_exe x, y, z;
    uint8_t *buf;
    size_t n;
    build(&x, &buf, &n, 0);
    cr_assert_eq(an_npu_parse(buf, n, "ok.npu", &y), AN_OK, "%s", an_errmsg());
    cr_assert_eq(y.n_insns, x.n_insns);
    cr_assert_eq(memcmp(y.insns, x.insns, sizeof *x.insns * (size_t)x.n_insns), 0);
    cr_assert_eq(memcmp(y.data, x.data, (size_t)x.data_size), 0);
    cr_assert_eq(y.qref_size, x.qref_size);
    cr_assert_eq(memcmp(&y.cfg, &x.cfg, sizeof x.cfg), 0);
    char path[] = "/tmp/asicnn-npu-rt-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    cr_assert_eq(an_npu_save(path, &x), AN_OK);
    cr_assert_eq(an_npu_load(path, &z), AN_OK, "%s", an_errmsg());
    cr_assert_eq(z.n_insns, x.n_insns);
    unlink(path);
    free(buf);
    an_npu_exe_free(&x);
    an_npu_exe_free(&y);
    an_npu_exe_free(&z);
}

Test(npu_exe, copy) {
    an_npu_exe x, y;
    uint8_t *buf, *buf2;
    size_t n, n2;
    build(&x, &buf, &n, 1);
    cr_assert_eq(an_npu_exe_copy(&x, &y), AN_OK, "%s", an_errmsg());
    cr_assert_neq(y.insns, x.insns);
    cr_assert_neq(y.host, x.host);
    cr_assert_eq(an_npu_serialize(&y, &buf2, &n2), AN_OK);
    cr_assert_eq(n2, n);
    cr_assert_arr_eq(buf2, buf, n);
    free(buf2);
    an_npu_exe_free(&y);
    /* a copy is validated: DRAM too small for the program is refused, and empty */
    x.dram_size = 1;
    cr_assert_neq(an_npu_exe_copy(&x, &y), AN_OK);
    cr_assert_null(y.insns);
    free(buf);
    an_npu_exe_free(&x);
}

/* File offset of section tag. */
static size_t section(const uint8_t *buf, size_t n, const char *tag) {
    for (size_t at = 36; at + 8 <= n;) {
        const uint32_t len = (uint32_t)buf[at + 4] | (uint32_t)buf[at + 5] << 8 |
                             (uint32_t)buf[at + 6] << 16 | (uint32_t)buf[at + 7] << 24;
        if (memcmp(buf + at, tag, 4) == 0) return at;
        at += 8 + len + 4;
    }
    cr_assert_fail("no section %s", tag);
    return 0;
}

Test(npu_exe, corrupt_bytes) {
    an_npu_exe x;
    uint8_t *buf;
    size_t n;
    build(&x, &buf, &n, 1);
    uint8_t *b = malloc(n + 1);
    refuse(buf, 0, "too short");
    refuse(buf, 20, "too short");
    memcpy(b, buf, n), b[0] = 'X';
    refuse(b, n, "bad magic");
    memcpy(b, buf, n), b[20] ^= 1;
    refuse(b, n, "header checksum");
    memcpy(b, buf, n), b[n] = 0;
    refuse(b, n + 1, "trailing bytes");
    static const char *const tags[] = {"CONF", "INSN", "DATA", "TENS", "LAYR", "HOST", "QREF"};
    for (int k = 0; k < 7; k++) {
        const size_t at = section(buf, n, tags[k]);
        char want[64];
        snprintf(want, sizeof want, "section %s: checksum mismatch", tags[k]);
        memcpy(b, buf, n), b[at + 8] ^= 0x40;
        refuse(b, n, want);
        memcpy(b, buf, n), b[at] = 'Z';
        refuse(b, n, tags[k]);
    }
    for (size_t cut = 0; cut < n; cut += 1 + cut / 7) refuse(buf, cut, NULL);
    free(b);
    free(buf);
    an_npu_exe_free(&x);
}

/* Re-serialise a modified executable (valid checksums) and expect refusal. */
static void hostile(an_npu_exe *x, const char *want) {
    uint8_t *buf;
    size_t n;
    cr_assert_eq(an_npu_serialize(x, &buf, &n), AN_OK);
    refuse(buf, n, want);
    free(buf);
}

/* Index of the first instruction with opcode op (and DMA buffer buf). */
static int64_t find(const an_npu_exe *x, int op_, int buf, an_isa_insn *d) {
    for (int64_t i = 0; i < x->n_insns; i++) {
        cr_assert_eq(an_isa_decode(&x->insns[i], d), AN_OK);
        if (d->op == op_ && (buf < 0 || d->buf == buf)) return i;
    }
    cr_assert_fail("no such instruction");
    return -1;
}

Test(npu_exe, hostile_fields) {
    an_npu_exe x;
    uint8_t *buf0;
    size_t n0;
    build(&x, &buf0, &n0, 1);
    free(buf0);
    snprintf(x.source, sizeof x.source, "bad.npu");
    an_isa_insn d;
    int64_t i = find(&x, AN_ISA_LOAD, AN_BUF_ACT, &d);
    const an_insn keep = x.insns[i];
    d.sram = x.cfg.act_bytes - 4;
    an_isa_encode(&d, &x.insns[i]);
    hostile(&x, "pass the end of the act buffer");
    find(&x, AN_ISA_LOAD, AN_BUF_ACT, &d);
    d.sram = 0, d.dram = x.dram_size - 1;
    an_isa_encode(&d, &x.insns[i]);
    hostile(&x, "end of DRAM");
    x.insns[i] = keep;
    x.insns[i].w[0] = (x.insns[i].w[0] & ~UINT64_C(15)) | 9;
    hostile(&x, "not an opcode");
    x.insns[i] = keep;
    x.insns[i].w[3] |= UINT64_C(1) << 60;
    hostile(&x, "reserved bits");
    x.insns[i] = keep;
    /* every token removed: the first cross-queue access races */
    an_insn *save = malloc(sizeof *save * (size_t)x.n_insns);
    memcpy(save, x.insns, sizeof *save * (size_t)x.n_insns);
    for (int64_t k = 0; k < x.n_insns; k++) x.insns[k].w[0] &= ~UINT64_C(0xf0);
    hostile(&x, "reads uninitialised dram"); /* the load queue runs ahead of the stores */
    memcpy(x.insns, save, sizeof *save * (size_t)x.n_insns);
    /* one pop removed: a token is left over or a race appears */
    for (int64_t k = 0; k < x.n_insns; k++)
        if (an_isa_get(&x.insns[k], 4, 4) & (AN_DEP_POP_PREV | AN_DEP_POP_NEXT)) {
            x.insns[k].w[0] &= ~(UINT64_C(0x30));
            break;
        }
    hostile(&x, NULL);
    memcpy(x.insns, save, sizeof *save * (size_t)x.n_insns);
    /* GEMM rows outside the accumulators */
    i = find(&x, AN_ISA_GEMM, -1, &d);
    d.acc = an_npu_acc_rows(&x.cfg) - 1;
    an_isa_encode(&d, &x.insns[i]);
    hostile(&x, "passes the accumulator buffer");
    memcpy(x.insns, save, sizeof *save * (size_t)x.n_insns);
    /* a HOST instruction pointing past the host table */
    i = find(&x, AN_ISA_HOST, -1, &d);
    d.host = 5;
    an_isa_encode(&d, &x.insns[i]);
    hostile(&x, "host operators");
    memcpy(x.insns, save, sizeof *save * (size_t)x.n_insns);
    free(save);
    /* header, config, tensors, host table, layers, embedded graph */
    x.batch = 0;
    hostile(&x, "field batch = 0");
    x.batch = 2;
    x.dram_size = INT64_C(1) << 40;
    hostile(&x, "dram_size");
    x.dram_size = x.output.dram + 5; /* half of the two samples */
    hostile(&x, "output");
    x.dram_size = 0;
    hostile(&x, "dram_size");
    an_npu_exe_free(&x);
    build(&x, &buf0, &n0, 1);
    free(buf0);
    snprintf(x.source, sizeof x.source, "bad.npu");
    x.cfg.rows = 12;
    hostile(&x, "field rows = 12");
    x.cfg.rows = 16;
    x.cfg.act_bytes = 8;
    hostile(&x, "field act_kib");
    x.cfg.act_bytes = 64 << 10;
    x.input.zero_point = 300;
    hostile(&x, "input");
    x.input.zero_point = 0;
    x.host[0].add_shift[1] = 5;
    hostile(&x, "host operator 0");
    x.host[0].add_shift[1] = -1;
    x.host[0].op = AN_Q_CONV2D;
    hostile(&x, "host operator 0");
    x.host[0].op = AN_Q_ADD;
    x.layers[1].mode = 99;
    hostile(&x, "LAYR");
    x.layers[1].mode = 0;
    x.n_affine = 7; /* neither 1 nor the input size */
    x.in_mul = realloc(x.in_mul, 7 * sizeof(float)),
    x.in_add = realloc(x.in_add, 7 * sizeof(float));
    for (int k = 0; k < 7; k++) x.in_mul[k] = x.in_add[k] = 1;
    hostile(&x, "n_affine");
    x.n_affine = 1;
    x.qref[10] ^= 0xff;
    hostile(&x, "QREF");
    an_npu_exe_free(&x);
}

/* The input layout fields: an executable whose first conv reads im2col
** rows the host writes, then each field made impossible (as kernel-row
** elements, a 3x3 window over 2 channels fills one row of 16, not 2). */
Test(npu_exe, hostile_input_layout) {
    an_rng r;
    an_rng_seed(&r, 5, 1);
    an_q_graph g;
    tq_graph(&g, 2, 9, 9, 2, 0.03f, 4);
    tq_conv(&g, 0, 5, 3, 1, 1, 1, &r);
    tq_conv(&g, 1, 4, 3, 2, 0, 0, &r);
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    an_npu_compile_opts o = an_npu_compile_defaults();
    o.batch = 2;
    an_npu_exe x;
    cr_assert_eq(an_npu_compile(&g, &c, &o, NULL, 0, &x, NULL), AN_OK, "%s", an_errmsg());
    an_q_graph_free(&g);
    cr_assert_eq(x.in_layout.layout, AN_NPU_IN_IM2COL);
    cr_assert_eq(npu_input_bytes(&x), 81 * 2 * 16); /* 18 bytes: 2 rows of 16 */
    snprintf(x.source, sizeof x.source, "bad.npu");
    const an_npu_input_layout keep = x.in_layout;
#define F(name) offsetof(an_npu_input_layout, name)
    static const struct {
        size_t field;
        int32_t v;
        const char *want;
    } bad[] = {{F(layout), 7, "field input layout = 7"},
               {F(layout), AN_NPU_IN_KROW, "input krow field row_bytes/rows_per_px = 16/2"},
               {F(rows_per_px), 1, "rows_per_px"},
               {F(row_bytes), 0, "row_bytes"},
               {F(pt), 3, "padding"},
               {F(kh), 0, "window"},
               {F(oh), 40, "oh/ow = 40/9"},
               {F(ow), 70000, "oh/ow"}};
#undef F
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        x.in_layout = keep;
        memcpy((char *)&x.in_layout + bad[k].field, &bad[k].v, sizeof bad[k].v);
        hostile(&x, bad[k].want);
    }
    x.in_layout = keep;
    const int64_t at = x.input.dram;
    x.input.dram = x.dram_size - 2 * 81 * 9 * 2; /* room for NHWC samples, not the rows */
    hostile(&x, "input: field dram");
    x.input.dram = at;
    x.in_layout = (an_npu_input_layout){0};
    x.in_layout.sw = 1;
    hostile(&x, "nhwc with im2col fields set");
    x.in_layout = keep;
    uint8_t *buf;
    size_t n;
    cr_assert_eq(an_npu_serialize(&x, &buf, &n), AN_OK);
    an_npu_exe y;
    cr_assert_eq(an_npu_parse(buf, n, "ok.npu", &y), AN_OK, "%s", an_errmsg());
    cr_assert_eq(memcmp(&y.in_layout, &keep, sizeof keep), 0);
    free(buf);
    an_npu_exe_free(&y);
    an_npu_exe_free(&x);
}
