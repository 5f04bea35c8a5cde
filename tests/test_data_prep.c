/*
** Data set tests beyond the readers: IDX <-> CSV round trips (u8 and f32
** values, gzip, 4-D images, wide labels), normalisation fitted on train
** only, seeded shuffle, split and slice, atomic writes that leave nothing
** behind on failure, and an_data_load's dispatch on every form.
*/
#include "data_testutil.h"

#include <math.h>
#include <sys/stat.h>

TestSuite(prep, .init = tu_setup, .fini = tu_teardown);

/* n samples of h x w x c: value j of sample i is f(i, j), label i % k. */
static void make_set(an_dataset *ds, int64_t n, int h, int w, int c, int k, int fractional) {
    cr_assert_eq(an_dataset_alloc(ds, n, h, w, c), AN_OK);
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < ds->features; j++)
            ds->x[i * ds->features + j] =
                fractional ? (float)(i - 2) * 0.1f + (float)j * 1e-7f + (j == 1 ? 1e30f : 0)
                           : (float)((i * 31 + j * 7) % 256);
        ds->y[i] = (int32_t)(i % k);
    }
    ds->num_classes = n < k ? (int)n : k;
}

static void assert_same(const an_dataset *a, const an_dataset *b) {
    cr_assert_eq(a->n, b->n);
    cr_assert_eq(a->h, b->h);
    cr_assert_eq(a->w, b->w);
    cr_assert_eq(a->c, b->c);
    cr_assert_eq(a->num_classes, b->num_classes);
    cr_assert_eq(memcmp(a->x, b->x, (size_t)(a->n * a->features) * sizeof(float)), 0);
    cr_assert_eq(memcmp(a->y, b->y, (size_t)a->n * sizeof(int32_t)), 0);
}

/* Write ds as IDX (gz or not) and as CSV, read both back, compare. */
static void round_trip(const an_dataset *ds, int gz) {
    const char *im = tu_path(gz ? "rt-images-idx3-ubyte.gz" : "rt-images-idx3-ubyte");
    const char *lb = tu_path(gz ? "rt-labels-idx1-ubyte.gz" : "rt-labels-idx1-ubyte");
    const char *csv = tu_path(gz ? "rt.csv.gz" : "rt.csv");
    an_dataset a, b;
    cr_assert_eq(an_data_write_idx(ds, im, lb), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_data_load_idx(im, lb, &a), AN_OK, "%s", an_errmsg());
    assert_same(ds, &a);
    cr_assert_eq(an_data_write_csv(&a, csv), AN_OK, "%s", an_errmsg());
    an_csv_options o = an_csv_defaults();
    o.h = ds->h;
    o.w = ds->w;
    o.c = ds->c;
    an_clean_report r;
    cr_assert_eq(an_data_load_csv(csv, &o, &b, &r), AN_OK, "%s", an_errmsg());
    cr_assert_eq(r.rows_kept, ds->n);
    assert_same(ds, &b);
    size_t n;
    uint8_t *raw = tu_read(csv, &n);
    cr_assert_eq(raw[0] == 0x1f && raw[1] == 0x8b, gz, "gzip only when the name ends in .gz");
    free(raw);
    an_dataset_free(&a);
    an_dataset_free(&b);
}

Test(prep, round_trip_u8_images) {
    an_dataset ds;
    make_set(&ds, 7, 3, 4, 1, 3, 0);
    round_trip(&ds, 0);
    round_trip(&ds, 1);
    size_t n;
    uint8_t *raw = tu_read(tu_path("rt-images-idx3-ubyte"), &n);
    cr_assert_eq(raw[2], 0x08, "integral 0..255 values are written as u8");
    cr_assert_eq(raw[3], 3);
    cr_assert_eq(n, 16 + 7 * 12);
    free(raw);
    an_dataset_free(&ds);
}

Test(prep, round_trip_float_values_exactly) {
    an_dataset ds;
    make_set(&ds, 5, 1, 3, 1, 2, 1);
    round_trip(&ds, 1);
    size_t n;
    uint8_t *raw = tu_read(tu_path("rt-images-idx3-ubyte.gz"), &n);
    cr_assert_eq(raw[0], 0x1f);
    free(raw);
    an_idx x;
    cr_assert_eq(an_idx_read(tu_path("rt-images-idx3-ubyte.gz"), &x), AN_OK);
    cr_assert_eq(x.type, 0x0D, "fractional values are written as f32");
    an_idx_free(&x);
    an_dataset_free(&ds);
}

Test(prep, round_trip_channels_and_wide_labels) {
    an_dataset ds;
    make_set(&ds, 6, 2, 2, 3, 1, 0);
    for (int i = 0; i < 6; i++) ds.y[i] = 250 + i * 100; /* up to 750: i32 label file */
    ds.num_classes = 751;
    round_trip(&ds, 0);
    an_idx x;
    cr_assert_eq(an_idx_read(tu_path("rt-images-idx3-ubyte"), &x), AN_OK);
    cr_assert_eq(x.ndim, 4);
    cr_assert_eq(x.dim[3], 3);
    an_idx_free(&x);
    cr_assert_eq(an_idx_read(tu_path("rt-labels-idx1-ubyte"), &x), AN_OK);
    cr_assert_eq(x.type, 0x0C);
    an_idx_free(&x);
    an_dataset_free(&ds);
}

Test(prep, normalisation_fitted_on_train_only) {
    an_dataset train, test;
    cr_assert_eq(an_dataset_alloc(&train, 3, 1, 2, 1), AN_OK);
    cr_assert_eq(an_dataset_alloc(&test, 1, 1, 2, 1), AN_OK);
    float tx[6] = {0, 1, 2, 1, 4, 1}, sx[2] = {100, 3};
    memcpy(train.x, tx, sizeof tx);
    memcpy(test.x, sx, sizeof sx);
    an_norm nm;
    cr_assert_eq(an_norm_fit(&train, AN_NORM_STANDARD, &nm), AN_OK);
    cr_assert_float_eq(nm.mean[0], 2.0f, 1e-6);
    cr_assert_float_eq(nm.std[0], sqrtf(8.0f / 3.0f), 1e-6);
    cr_assert_eq(nm.mean[1], 1.0f);
    cr_assert_eq(nm.std[1], 1.0f, "a constant feature gets std 1");
    cr_assert_eq(an_norm_apply(&nm, &test), AN_OK);
    cr_assert_eq(an_norm_apply(&nm, &train), AN_OK);
    /* the test sample is scaled with train's statistics, not its own */
    cr_assert_float_eq(test.x[0], 98.0f / sqrtf(8.0f / 3.0f), 1e-4);
    cr_assert_float_eq(test.x[1], 2.0f, 1e-6);
    double m0 = (train.x[0] + train.x[2] + train.x[4]) / 3.0;
    cr_assert_float_eq(m0, 0.0, 1e-6);
    an_dataset wrong;
    cr_assert_eq(an_dataset_alloc(&wrong, 1, 1, 3, 1), AN_OK);
    cr_assert_eq(an_norm_apply(&nm, &wrong), AN_ERR_FORMAT);
    tu_assert_msg("2 features", "has 3");
    an_norm_free(&nm);
    cr_assert_null(nm.mean);
    cr_assert_eq(an_norm_fit(&train, AN_NORM_SCALE255, &nm), AN_OK);
    test.x[0] = 255;
    cr_assert_eq(an_norm_apply(&nm, &test), AN_OK);
    cr_assert_eq(test.x[0], 1.0f);
    an_norm_free(&nm);
    an_norm none = {0};
    test.x[0] = 7;
    cr_assert_eq(an_norm_apply(&none, &test), AN_OK);
    cr_assert_eq(test.x[0], 7.0f);
    an_dataset_free(&wrong);
    an_dataset_free(&train);
    an_dataset_free(&test);
}

/* A set whose sample i holds i in every feature and label i % 10. */
static void make_indexed(an_dataset *ds, int64_t n) {
    cr_assert_eq(an_dataset_alloc(ds, n, 1, 3, 1), AN_OK);
    for (int64_t i = 0; i < n; i++) {
        for (int j = 0; j < 3; j++) ds->x[i * 3 + j] = (float)i;
        ds->y[i] = (int32_t)(i % 10);
    }
    ds->num_classes = 10;
}

Test(prep, shuffle_is_seeded_and_keeps_pairs) {
    an_dataset a, b, c;
    make_indexed(&a, 1000);
    make_indexed(&b, 1000);
    make_indexed(&c, 1000);
    cr_assert_eq(an_data_shuffle(&a, 7), AN_OK);
    cr_assert_eq(an_data_shuffle(&b, 7), AN_OK);
    cr_assert_eq(an_data_shuffle(&c, 8), AN_OK);
    cr_assert_eq(memcmp(a.x, b.x, 3000 * sizeof(float)), 0, "same seed, same order");
    int moved = 0, differ = 0;
    char seen[1000] = {0};
    for (int i = 0; i < 1000; i++) {
        int v = (int)a.x[i * 3];
        cr_assert_eq(a.x[i * 3 + 2], (float)v, "rows move whole");
        cr_assert_eq(a.y[i], v % 10, "labels move with their samples");
        cr_assert_eq(seen[v], 0, "a permutation");
        seen[v] = 1;
        moved += v != i;
        differ += a.x[i * 3] != c.x[i * 3];
    }
    cr_assert_gt(moved, 900);
    cr_assert_gt(differ, 900, "another seed, another order");
    an_dataset_free(&a);
    an_dataset_free(&b);
    an_dataset_free(&c);
}

Test(prep, split_and_slice_counts) {
    an_dataset ds, first, second;
    make_indexed(&ds, 100);
    cr_assert_eq(an_data_split(&ds, 80, &first, &second), AN_OK);
    cr_assert_eq(first.n, 80);
    cr_assert_eq(second.n, 20);
    cr_assert_eq(first.x[79 * 3], 79.0f);
    cr_assert_eq(second.x[0], 80.0f);
    cr_assert_eq(second.y[19], 9);
    cr_assert_eq(second.num_classes, 10);
    cr_assert_eq(second.features, 3);
    an_dataset_free(&first);
    an_dataset_free(&second);
    cr_assert_eq(an_data_split(&ds, 0, &first, &second), AN_OK);
    cr_assert_eq(first.n, 0);
    cr_assert_eq(second.n, 100);
    an_dataset_free(&first);
    an_dataset_free(&second);
    cr_assert_eq(an_data_split(&ds, 101, &first, &second), AN_ERR_RANGE);
    cr_assert_eq(an_data_split(&ds, -1, &first, &second), AN_ERR_RANGE);
    cr_assert_eq(an_data_slice(&ds, 10, 5, &first), AN_OK);
    cr_assert_eq(first.n, 5);
    cr_assert_eq(first.x[0], 10.0f);
    an_dataset_free(&first);
    cr_assert_eq(an_data_slice(&ds, 99, 2, &first), AN_ERR_RANGE);
    tu_assert_msg("[99, 101)", "[0, 100)");
    cr_assert_eq(an_data_slice(&ds, -1, 1, &first), AN_ERR_RANGE);
    cr_assert_null(first.x);
    an_dataset_free(&ds);
}

Test(prep, stats_range_and_class_counts) {
    an_dataset ds;
    make_indexed(&ds, 25);
    float lo, hi;
    double mean;
    an_data_range(&ds, &lo, &hi, &mean);
    cr_assert_eq(lo, 0.0f);
    cr_assert_eq(hi, 24.0f);
    cr_assert_float_eq(mean, 12.0, 1e-9);
    int64_t *counts;
    cr_assert_eq(an_data_class_counts(&ds, &counts), AN_OK);
    cr_assert_eq(counts[0], 3);
    cr_assert_eq(counts[4], 3);
    cr_assert_eq(counts[5], 2);
    free(counts);
    an_dataset_free(&ds);
}

Test(prep, failed_writes_leave_no_file) {
    an_dataset ds;
    make_indexed(&ds, 4);
    cr_assert_eq(mkdir(tu_path("taken.csv"), 0755), 0);
    cr_assert_eq(an_data_write_csv(&ds, tu_path("taken.csv")), AN_ERR_IO);
    tu_assert_msg("taken.csv");
    cr_assert_eq(tu_count_files(), 1, "only the directory; no temporary left");
    cr_assert_eq(mkdir(tu_path("l-labels-idx1-ubyte.gz"), 0755), 0);
    cr_assert_eq(an_data_write_idx(&ds, tu_path("l-images-idx3-ubyte.gz"),
                                   tu_path("l-labels-idx1-ubyte.gz")),
                 AN_ERR_IO);
    cr_assert_eq(tu_count_files(), 3, "the two directories and the complete images file");
    cr_assert_eq(an_data_write_csv(&ds, tu_path("no/such/dir.csv")), AN_ERR_IO);
    tu_assert_msg("no/such/dir.csv");
    free(ds.y);
    ds.y = NULL;
    cr_assert_eq(an_data_write_csv(&ds, tu_path("u.csv")), AN_ERR_FORMAT);
    tu_assert_msg("no labels");
    cr_assert_eq(tu_count_files(), 3);
    an_dataset_free(&ds);
}

Test(prep, load_dispatches_on_every_form) {
    an_dataset ds, train, test;
    an_data_form form;
    make_set(&ds, 10, 2, 2, 1, 5, 0);
    cr_assert_eq(an_data_split(&ds, 7, &train, &test), AN_OK);
    cr_assert_eq(an_data_write_idx(&train, tu_path("train-images-idx3-ubyte.gz"),
                                   tu_path("train-labels-idx1-ubyte.gz")),
                 AN_OK);
    cr_assert_eq(an_data_write_idx(&test, tu_path("t10k-images-idx3-ubyte"),
                                   tu_path("t10k-labels-idx1-ubyte")),
                 AN_OK);
    cr_assert_eq(an_data_detect(tu_dir, &form), AN_OK);
    cr_assert_eq(form, AN_FORM_IDX_DIR);
    an_dataset got;
    cr_assert_eq(an_data_load(tu_dir, AN_SPLIT_TRAIN, &got), AN_OK, "%s", an_errmsg());
    assert_same(&train, &got);
    cr_assert(strstr(got.name, "/train") != NULL, "%s", got.name);
    an_dataset_free(&got);
    cr_assert_eq(an_data_load(tu_dir, AN_SPLIT_TEST, &got), AN_OK, "%s", an_errmsg());
    assert_same(&test, &got);
    an_dataset_free(&got);
    /* one image file: labels found beside it (plain or .gz) */
    cr_assert_eq(an_data_load(tu_path("train-images-idx3-ubyte.gz"), AN_SPLIT_TRAIN, &got), AN_OK);
    assert_same(&train, &got);
    an_dataset_free(&got);
    /* an IDX file under any name, recognised by content; no labels beside it */
    size_t n;
    uint8_t *raw = tu_read(tu_path("t10k-images-idx3-ubyte"), &n);
    const char *p = tu_write("images.bin", raw, n, 1);
    free(raw);
    cr_assert_eq(an_data_detect(p, &form), AN_OK);
    cr_assert_eq(form, AN_FORM_IDX);
    cr_assert_eq(an_data_load(p, AN_SPLIT_TRAIN, &got), AN_OK);
    cr_assert_null(got.y);
    cr_assert_eq(got.n, 3);
    an_dataset_free(&got);
    /* CSV by content too */
    p = tu_write_text("table.txt", "1,2\n0,3\n");
    cr_assert_eq(an_data_detect(p, &form), AN_OK);
    cr_assert_eq(form, AN_FORM_CSV);
    cr_assert_eq(an_data_load(p, AN_SPLIT_TEST, &got), AN_OK);
    cr_assert_eq(got.n, 2);
    an_dataset_free(&got);
    /* failures */
    cr_assert_eq(an_data_load(tu_path("missing"), AN_SPLIT_TRAIN, &got), AN_ERR_IO);
    tu_assert_msg("missing");
    cr_assert_eq(mkdir(tu_path("empty"), 0755), 0);
    cr_assert_eq(an_data_load(tu_path("empty"), AN_SPLIT_TRAIN, &got), AN_ERR_FORMAT);
    tu_assert_msg("empty: directory holds neither");
    unlink(tu_path("t10k-images-idx3-ubyte"));
    cr_assert_eq(an_data_load(tu_dir, AN_SPLIT_TEST, &got), AN_ERR_IO);
    tu_assert_msg("no t10k-images-idx3-ubyte[.gz] (test split)");
    rmdir(tu_path("empty"));
    an_dataset_free(&train);
    an_dataset_free(&test);
    an_dataset_free(&ds);
}
