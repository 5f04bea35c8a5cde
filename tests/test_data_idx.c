/*
** IDX reader tests: every data type, plain and gzip, image/label pairs, and
** a catalogue of bad files (empty, truncated, wrong magic, bad type or rank,
** overflowing dims, length mismatch, non-finite floats, corrupt gzip), each
** of which must fail with one line naming the file. Also loads the
** Fashion-MNIST train set when `make data` has been run (its speed is
** measured by bench/data_bench, never asserted here).
*/
#include "data_testutil.h"

#include <math.h>

TestSuite(idx, .init = tu_setup, .fini = tu_teardown);

/* Parse buf and expect failure with the given fragments in the message. */
#define EXPECT_PARSE_FAIL(buf, n, ...)                                                             \
    do {                                                                                           \
        an_idx x_;                                                                                 \
        cr_assert_eq(an_idx_parse((buf), (n), "x.idx", &x_), AN_ERR_FORMAT);                       \
        cr_assert_null(x_.values);                                                                 \
        tu_assert_msg("x.idx: ", __VA_ARGS__);                                                     \
    } while (0)

Test(idx, u8_plain_and_gzip_agree) {
    uint32_t dim[3] = {3, 4, 5};
    for (int gz = 0; gz < 2; gz++) {
        an_idx x;
        const char *p = tu_write_idx_u8(gz ? "a-idx3.gz" : "a-idx3", 3, dim, gz);
        cr_assert_eq(an_idx_read(p, &x), AN_OK, "%s", an_errmsg());
        cr_assert_eq(x.type, 0x08);
        cr_assert_eq(x.ndim, 3);
        cr_assert_eq(x.count, 60);
        cr_assert_eq(x.dim[2], 5);
        for (int i = 0; i < 60; i++) cr_assert_float_eq(x.values[i], (float)((i * 7 + 3) % 256), 0);
        cr_assert_float_eq(x.vmin, 3.0, 0);
        cr_assert_float_eq(x.vmax, 255.0, 0); /* i = 36 */
        an_idx_free(&x);
        cr_assert_null(x.values);
    }
}

Test(idx, every_dtype_big_endian) {
    uint32_t dim[1] = {2};
    struct {
        uint8_t type;
        uint8_t data[16];
        size_t n;
        float v0, v1;
    } cases[] = {
        {0x08, {0x00, 0xff}, 2, 0, 255},
        {0x09, {0x80, 0x7f}, 2, -128, 127},
        {0x0B, {0xfe, 0xd4, 0x03, 0xe8}, 4, -300, 1000},
        {0x0C, {0xff, 0xfe, 0xee, 0x90, 0x00, 0x01, 0x00, 0x00}, 8, -70000, 65536},
        {0x0D, {0x3f, 0xc0, 0, 0, 0xc0, 0x10, 0, 0}, 8, 1.5f, -2.25f},
        {0x0E,
         {0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a, 0xc0, 0x59, 0, 0, 0, 0, 0, 0},
         16,
         0.1f,
         -100},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint8_t buf[32];
        size_t hl = tu_idx_header(buf, cases[c].type, 1, dim);
        memcpy(buf + hl, cases[c].data, cases[c].n);
        an_idx x;
        cr_assert_eq(an_idx_parse(buf, hl + cases[c].n, "t", &x), AN_OK, "type %02x: %s",
                     cases[c].type, an_errmsg());
        cr_assert_eq(x.values[0], cases[c].v0, "type %02x", cases[c].type);
        cr_assert_eq(x.values[1], cases[c].v1, "type %02x", cases[c].type);
        an_idx_free(&x);
    }
}

Test(idx, one_and_four_dimensions) {
    uint32_t d1[1] = {7}, d4[4] = {2, 3, 2, 3};
    an_idx x;
    cr_assert_eq(an_idx_read(tu_write_idx_u8("l-idx1", 1, d1, 0), &x), AN_OK);
    cr_assert_eq(x.count, 7);
    an_idx_free(&x);
    cr_assert_eq(an_idx_read(tu_write_idx_u8("i-idx4", 4, d4, 1), &x), AN_OK);
    cr_assert_eq(x.count, 36);
    cr_assert_eq(x.dim[3], 3);
    an_idx_free(&x);
}

Test(idx, concatenated_gzip_members) {
    uint8_t h[8] = {0, 0, 8, 1, 0, 0, 0, 4}, v[4] = {9, 8, 7, 6};
    size_t n1, n2;
    uint8_t *a = tu_read(tu_write("h.gz", h, 8, 1), &n1);
    uint8_t *b = tu_read(tu_write("v.gz", v, 4, 1), &n2);
    uint8_t *both = malloc(n1 + n2);
    memcpy(both, a, n1);
    memcpy(both + n1, b, n2);
    an_idx x;
    cr_assert_eq(an_idx_read(tu_write("both.gz", both, n1 + n2, 0), &x), AN_OK, "%s", an_errmsg());
    cr_assert_eq(x.count, 4);
    cr_assert_eq(x.values[3], 6.0f);
    an_idx_free(&x);
    free(a);
    free(b);
    free(both);
}

Test(idx, empty_and_short_files) {
    an_idx x;
    const char *p = tu_write("empty-idx3", "", 0, 0);
    cr_assert_eq(an_idx_read(p, &x), AN_ERR_FORMAT);
    tu_assert_msg(p, ": empty file");
    EXPECT_PARSE_FAIL((const uint8_t *)"\0\0\x08", 3, "truncated", "3 bytes");
    cr_assert_eq(an_idx_read(tu_path("missing-idx3"), &x), AN_ERR_IO);
    tu_assert_msg("missing-idx3");
}

Test(idx, bad_magic_type_and_rank) {
    uint8_t buf[16] = {0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 5};
    EXPECT_PARSE_FAIL(buf, 9, "not an IDX file", "0x01000801");
    buf[0] = 0;
    buf[2] = 0x0A;
    EXPECT_PARSE_FAIL(buf, 9, "unknown IDX data type 0x0a");
    buf[2] = 0x08;
    buf[3] = 0;
    EXPECT_PARSE_FAIL(buf, 9, "0 dimensions");
    buf[3] = 5;
    EXPECT_PARSE_FAIL(buf, 9, "5 dimensions");
    buf[3] = 3; /* needs a 16-byte header */
    EXPECT_PARSE_FAIL(buf, 9, "truncated", "16-byte header", "9 bytes");
}

Test(idx, dims_that_overflow) {
    uint8_t buf[20];
    uint32_t huge[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
    tu_idx_header(buf, 0x0E, 4, huge);
    EXPECT_PARSE_FAIL(buf, 20, "4294967295x4294967295x4294967295x4294967295", "2^31");
    uint32_t big[2] = {65536, 32768}; /* exactly 2^31 elements */
    tu_idx_header(buf, 0x08, 2, big);
    EXPECT_PARSE_FAIL(buf, 12, "65536x32768", "2^31");
    uint32_t zero_first[3] = {0, 0xffffffffu, 0xffffffffu}; /* 0 elements: no overflow */
    tu_idx_header(buf, 0x08, 3, zero_first);
    an_idx x;
    cr_assert_eq(an_idx_parse(buf, 16, "z", &x), AN_OK);
    cr_assert_eq(x.count, 0);
    an_idx_free(&x);
}

Test(idx, length_mismatch_names_sizes) {
    static uint8_t buf[16 + 1300];
    uint32_t dim[3] = {60000, 28, 28};
    size_t hl = tu_idx_header(buf, 0x08, 3, dim);
    const char *p = tu_write("short-idx3", buf, hl + 1200, 0);
    an_idx x;
    cr_assert_eq(an_idx_read(p, &x), AN_ERR_FORMAT);
    tu_assert_msg(p, ": truncated: header says 60000x28x28 u8 (47040016 bytes) but file has 1216 "
                     "bytes");
    uint32_t small[3] = {1, 2, 3};
    hl = tu_idx_header(buf, 0x0B, 3, small);
    EXPECT_PARSE_FAIL(buf, hl + 16, "trailing bytes", "1x2x3 i16 (28 bytes)", "has 32 bytes");
    EXPECT_PARSE_FAIL(buf, hl + 11, "truncated", "has 27 bytes");
}

Test(idx, non_finite_floats) {
    uint8_t buf[32];
    uint32_t dim[1] = {2};
    size_t hl = tu_idx_header(buf, 0x0D, 1, dim);
    memcpy(buf + hl, (uint8_t[]){0x3f, 0x80, 0, 0, 0x7f, 0xc0, 0, 0}, 8); /* 1.0, NaN */
    EXPECT_PARSE_FAIL(buf, hl + 8, "element 1", "not a finite");
    hl = tu_idx_header(buf, 0x0E, 1, dim);
    memcpy(buf + hl,
           (uint8_t[]){0x7e, 0x37, 0xe4, 0x3c, 0x88, 0, 0x75, 0x9c, 0, 0, 0, 0, 0, 0, 0, 0},
           16); /* 1e300 does not fit a float */
    EXPECT_PARSE_FAIL(buf, hl + 16, "element 0", "not a finite");
}

Test(idx, corrupt_and_truncated_gzip) {
    uint32_t dim[2] = {40, 50};
    size_t n;
    uint8_t *gz = tu_read(tu_write_idx_u8("g-idx3.gz", 2, dim, 1), &n);
    an_idx x;
    gz[n / 2] ^= 0x55; /* damage the deflate stream */
    const char *p = tu_write("bad-idx3.gz", gz, n, 0);
    cr_assert_eq(an_idx_read(p, &x), AN_ERR_FORMAT);
    tu_assert_msg(p, "corrupt gzip");
    gz[n / 2] ^= 0x55;
    gz[n - 6] ^= 0x01; /* damage the CRC in the trailer */
    cr_assert_eq(an_idx_read(tu_write("crc-idx3.gz", gz, n, 0), &x), AN_ERR_FORMAT);
    tu_assert_msg("crc-idx3.gz", "corrupt gzip");
    gz[n - 6] ^= 0x01;
    p = tu_write("cut-idx3.gz", gz, n - 20, 0);
    cr_assert_eq(an_idx_read(p, &x), AN_ERR_FORMAT);
    tu_assert_msg(p, "corrupt gzip", "truncated");
    uint8_t *more = malloc(n + 3);
    memcpy(more, gz, n);
    memcpy(more + n, "abc", 3);
    cr_assert_eq(an_idx_read(tu_write("tail-idx3.gz", more, n + 3, 0), &x), AN_ERR_FORMAT);
    tu_assert_msg("tail-idx3.gz", "3 stray bytes");
    cr_assert_eq(an_idx_read(tu_write("ok-idx3.gz", gz, n, 0), &x), AN_OK);
    an_idx_free(&x);
    free(more);
    free(gz);
}

Test(idx, image_and_label_pair) {
    uint32_t im[3] = {6, 2, 3}, lb[1] = {6};
    const char *images = tu_write_idx_u8("p-images-idx3-ubyte", 3, im, 0);
    uint8_t buf[16];
    size_t hl = tu_idx_header(buf, 0x08, 1, lb);
    memcpy(buf + hl, (uint8_t[]){0, 1, 2, 0, 4, 1}, 6);
    const char *labels = tu_write("p-labels-idx1-ubyte.gz", buf, hl + 6, 1);
    an_dataset ds;
    cr_assert_eq(an_data_load_idx(images, labels, &ds), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 6);
    cr_assert_eq(ds.h, 2);
    cr_assert_eq(ds.w, 3);
    cr_assert_eq(ds.c, 1);
    cr_assert_eq(ds.features, 6);
    cr_assert_eq(ds.num_classes, 5);
    cr_assert_eq(ds.y[4], 4);
    cr_assert_eq(ds.x[7], (float)((7 * 7 + 3) % 256));
    an_dataset_free(&ds);
    /* unlabelled */
    cr_assert_eq(an_data_load_idx(images, NULL, &ds), AN_OK);
    cr_assert_null(ds.y);
    cr_assert_eq(ds.num_classes, 0);
    an_dataset_free(&ds);
}

Test(idx, bad_pairs) {
    uint32_t im[3] = {6, 2, 3}, lb5[1] = {5}, lb2[2] = {6, 1}, one[1] = {6}, empty[3] = {0, 2, 2};
    const char *images = tu_write_idx_u8("q-images-idx3-ubyte", 3, im, 0);
    an_dataset ds;
    const char *l = tu_write_idx_u8("q5-labels", 1, lb5, 0);
    cr_assert_eq(an_data_load_idx(images, l, &ds), AN_ERR_FORMAT);
    tu_assert_msg(l, "5 labels", "6 images");
    cr_assert_null(ds.x);
    l = tu_write_idx_u8("q2-labels", 2, lb2, 0);
    cr_assert_eq(an_data_load_idx(images, l, &ds), AN_ERR_FORMAT);
    tu_assert_msg(l, "1 dimension");
    uint8_t buf[40];
    size_t hl = tu_idx_header(buf, 0x0D, 1, one);
    memset(buf + hl, 0, 24);
    memcpy(buf + hl + 8, (uint8_t[]){0x3f, 0xc0, 0, 0}, 4); /* label 2 is 1.5 */
    l = tu_write("qf-labels", buf, hl + 24, 0);
    cr_assert_eq(an_data_load_idx(images, l, &ds), AN_ERR_FORMAT);
    tu_assert_msg(l, "label 2 is 1.5");
    hl = tu_idx_header(buf, 0x09, 1, one);
    memset(buf + hl, 0xff, 6); /* -1 */
    l = tu_write("qn-labels", buf, hl + 6, 0);
    cr_assert_eq(an_data_load_idx(images, l, &ds), AN_ERR_FORMAT);
    tu_assert_msg(l, "label 0 is -1");
    const char *p = tu_write_idx_u8("r-idx1", 1, one, 0);
    cr_assert_eq(an_data_load_idx(p, NULL, &ds), AN_ERR_FORMAT);
    tu_assert_msg(p, "labels, not images");
    p = tu_write_idx_u8("e-idx3", 3, empty, 0);
    cr_assert_eq(an_data_load_idx(p, NULL, &ds), AN_ERR_FORMAT);
    tu_assert_msg(p, "no images");
}

Test(idx, fashion_mnist_train_loads) {
    const char *dir = ASICNN_DATA_DIR "/fashion-mnist";
    if (access(dir, R_OK) != 0) cr_skip_test("no %s (run `make data`)", dir);
    an_dataset ds;
    cr_assert_eq(an_data_load(dir, AN_SPLIT_TRAIN, &ds), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 60000);
    cr_assert_eq(ds.features, 784);
    cr_assert_eq(ds.num_classes, 10);
    int64_t per_class[10] = {0};
    for (int64_t i = 0; i < ds.n; i++) per_class[ds.y[i]]++;
    for (int k = 0; k < 10; k++) cr_assert_eq(per_class[k], 6000, "class %d", k); /* balanced */
    an_dataset_free(&ds);
}
