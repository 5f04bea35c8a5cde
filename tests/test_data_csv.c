/*
** CSV reader tests: headers (auto, forced, count headers like sklearn's),
** label column anywhere, delimiters, quoting, CRLF, BOM, gzip; cleaning of
** each kind of bad row with its count and first line; strict mode's
** "file:line: reason" messages; whole-file errors.
*/
#include "data_testutil.h"

TestSuite(csv, .init = tu_setup, .fini = tu_teardown);

/* Parse text from memory as "t.csv" with opt; returns the status. */
static an_status parse(const char *text, const an_csv_options *opt, an_dataset *ds,
                       an_clean_report *r) {
    return an_data_parse_csv(text, strlen(text), "t.csv", opt, ds, r);
}

Test(csv, header_auto_detected_and_skipped) {
    an_dataset ds;
    an_clean_report r;
    cr_assert_eq(parse("label,f1,f2\n1,2,3\n0,4.5,-5\n", NULL, &ds, &r), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 2);
    cr_assert_eq(ds.features, 2);
    cr_assert_eq(ds.h, 1);
    cr_assert_eq(ds.w, 2);
    cr_assert_eq(ds.num_classes, 2);
    cr_assert_eq(ds.y[0], 1);
    cr_assert_eq(ds.x[2], 4.5f);
    cr_assert_eq(ds.x[3], -5.0f);
    cr_assert_eq(r.rows_read, 2);
    cr_assert_eq(r.rows_kept, 2);
    an_dataset_free(&ds);
    cr_assert_eq(parse("1,2,3\n0,4,5\n", NULL, &ds, &r), AN_OK);
    cr_assert_eq(ds.n, 2, "a numeric first line is data");
    an_dataset_free(&ds);
}

Test(csv, header_forced_yes_and_no) {
    an_csv_options o = an_csv_defaults();
    an_dataset ds;
    an_clean_report r;
    o.header = AN_HEADER_YES;
    cr_assert_eq(parse("1,2,3\n0,4,5\n", &o, &ds, &r), AN_OK);
    cr_assert_eq(ds.n, 1);
    cr_assert_eq(ds.y[0], 0);
    an_dataset_free(&ds);
    o.header = AN_HEADER_NO;
    cr_assert_eq(parse("label,a,b\n1,2,3\n", &o, &ds, &r), AN_OK);
    cr_assert_eq(ds.n, 1);
    cr_assert_eq(r.dropped[AN_DROP_NONNUMERIC], 1);
    cr_assert_eq(r.first_line[AN_DROP_NONNUMERIC], 1);
    an_dataset_free(&ds);
}

Test(csv, iris_like_count_header_label_last) {
    an_csv_options o = an_csv_defaults();
    o.label_col = -1;
    an_dataset ds;
    an_clean_report r;
    cr_assert_eq(an_data_load_csv(FIXTURES "/iris_small.csv", &o, &ds, &r), AN_OK, "%s",
                 an_errmsg());
    cr_assert_eq(ds.n, 12);
    cr_assert_eq(ds.features, 4);
    cr_assert_eq(ds.num_classes, 3);
    cr_assert_eq(ds.x[0], 5.1f);
    cr_assert_eq(ds.x[3], 0.2f);
    cr_assert_eq(ds.y[0], 0);
    cr_assert_eq(ds.y[11], 2);
    cr_assert_eq(r.rows_read, 12);
    cr_assert_str_eq(ds.name, "iris_small.csv");
    an_dataset_free(&ds);
}

Test(csv, label_in_middle_keeps_feature_order) {
    an_csv_options o = an_csv_defaults();
    o.label_col = 1;
    an_dataset ds;
    cr_assert_eq(parse("10,3,20,30\n", &o, &ds, NULL), AN_OK);
    cr_assert_eq(ds.y[0], 3);
    cr_assert_eq(ds.x[0], 10.0f);
    cr_assert_eq(ds.x[1], 20.0f);
    cr_assert_eq(ds.x[2], 30.0f);
    an_dataset_free(&ds);
    o.label_col = 4;
    cr_assert_eq(parse("10,3,20,30\n", &o, &ds, NULL), AN_ERR_USAGE);
    tu_assert_msg("t.csv", "label column 4", "4 columns");
    o.label_col = -5;
    cr_assert_eq(parse("10,3,20,30\n", &o, &ds, NULL), AN_ERR_USAGE);
}

Test(csv, delimiters_quotes_crlf_bom_blank_lines) {
    an_csv_options o = an_csv_defaults();
    an_dataset ds;
    o.delim = ';';
    cr_assert_eq(parse("1;2,5;3\n", &o, &ds, NULL), AN_ERR_FORMAT, "',' is not the delimiter");
    cr_assert_eq(parse("1;2;3\n", &o, &ds, NULL), AN_OK);
    an_dataset_free(&ds);
    o.delim = 0; /* auto */
    cr_assert_eq(parse("a\tb\tc\n1\t2\t3\n\n2\t3\t4\n", &o, &ds, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 2);
    cr_assert_eq(ds.features, 2);
    an_dataset_free(&ds);
    const char *text = "\xEF\xBB\xBF\"label\",\"x,y\",z\r\n 1 , \"2\" ,3\r\n\r\n  \n0,4,5";
    cr_assert_eq(parse(text, NULL, &ds, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 2);
    cr_assert_eq(ds.features, 2);
    cr_assert_eq(ds.x[0], 2.0f);
    cr_assert_eq(ds.x[3], 5.0f);
    an_dataset_free(&ds);
    cr_assert_eq(parse("\xEF\xBB\xBF"
                       "1,2\n",
                       NULL, &ds, NULL),
                 AN_OK, "BOM before a data row");
    cr_assert_eq(ds.y[0], 1);
    an_dataset_free(&ds);
}

Test(csv, gzip_file_by_content) {
    const char *text = "label,a\n1,2\n3,4\n";
    const char *p = tu_write("plain-name.csv", text, strlen(text), 1);
    an_dataset ds;
    cr_assert_eq(an_data_load_csv(p, NULL, &ds, NULL), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 2);
    cr_assert_eq(ds.num_classes, 4);
    an_dataset_free(&ds);
}

/* One row of each bad kind, with two good rows among them. */
static const char BAD_ROWS[] = "label,a,b\n" /* 1 */
                               "1,2,3\n"     /* 2 ok */
                               "1,2\n"       /* 3 columns */
                               "1,x,3\n"     /* 4 non-numeric */
                               "1,nan,3\n"   /* 5 non-finite */
                               "1,inf,3\n"   /* 6 non-finite */
                               "1,300,3\n"   /* 7 out of range */
                               "10,1,1\n"    /* 8 label > max */
                               "1.5,1,1\n"   /* 9 label not integer */
                               "-1,1,1\n"    /* 10 label negative */
                               "2,4,5\n"     /* 11 ok */
                               "1,2,3,4\n"   /* 12 columns */
                               "1,1e999,2\n" /* 13 non-finite (overflows) */
                               "1,,2\n"      /* 14 non-numeric (empty) */
                               "1,0x10,2\n"  /* 15 non-numeric (hex) */
                               "1,-0.5,2\n"; /* 16 out of range */

static an_csv_options bad_rows_options(void) {
    an_csv_options o = an_csv_defaults();
    o.check_range = 1;
    o.value_min = 0;
    o.value_max = 255;
    o.max_label = 9;
    return o;
}

Test(csv, each_bad_row_counted_with_first_line) {
    an_csv_options o = bad_rows_options();
    an_dataset ds;
    an_clean_report r;
    cr_assert_eq(parse(BAD_ROWS, &o, &ds, &r), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 2);
    cr_assert_eq(ds.y[1], 2);
    cr_assert_eq(ds.x[2], 4.0f);
    cr_assert_eq(r.rows_read, 15);
    cr_assert_eq(r.rows_kept, 2);
    int64_t want[AN_DROP_COUNT] = {2, 3, 3, 2, 3}, first[AN_DROP_COUNT] = {3, 4, 5, 7, 8};
    for (int i = 0; i < AN_DROP_COUNT; i++) {
        cr_assert_eq(r.dropped[i], want[i], "%s: %lld", AN_DROP_REASON_NAME[i],
                     (long long)r.dropped[i]);
        cr_assert_eq(r.first_line[i], first[i], "%s", AN_DROP_REASON_NAME[i]);
    }
    char text[512];
    an_clean_report_text(&r, text, sizeof text);
    cr_assert(strstr(text, "2 wrong column count (first at line 3)") != NULL, "%s", text);
    cr_assert(strstr(text, "3 bad label (first at line 8)") != NULL, "%s", text);
    an_dataset_free(&ds);
    /* Without the range check the 300 and -0.5 rows are kept. */
    o.check_range = 0;
    cr_assert_eq(parse(BAD_ROWS, &o, &ds, &r), AN_OK);
    cr_assert_eq(ds.n, 4);
    an_dataset_free(&ds);
}

Test(csv, strict_fails_at_first_bad_row_with_file_line) {
    an_csv_options o = bad_rows_options();
    o.strict = 1;
    an_dataset ds;
    cr_assert_eq(parse(BAD_ROWS, &o, &ds, NULL), AN_ERR_FORMAT);
    tu_assert_msg("t.csv:3: wrong number of columns: 2, expected 3");
    cr_assert_null(ds.x);
    struct {
        const char *text, *msg;
    } cases[] = {
        {"1,2,3\n1,x,3\n", "t.csv:2: field 2 is not a number: 'x'"},
        {"1,2,3\n1,2,NaN\n", "t.csv:2: field 3 is not a finite number: 'NaN'"},
        {"a,b,c\n1,2,3\n1,256,3\n", "t.csv:3: field 2 value 256 outside [0, 255]"},
        {"1,2,3\n\n12,2,3\n", "t.csv:3: label 12 is not an integer in [0, 9]"},
        {"1,2,3\n0.5,2,3\n", "t.csv:2: label 0.5 is not an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(parse(cases[i].text, &o, &ds, NULL), AN_ERR_FORMAT, "case %zu", i);
        tu_assert_msg(cases[i].msg);
    }
    /* On a file, the message names the path. */
    const char *p = tu_write_text("bad.csv", "1,2\n3,4\n5\n");
    cr_assert_eq(an_data_load_csv(p, &o, &ds, NULL), AN_ERR_FORMAT);
    tu_assert_msg(p, ":3: wrong number of columns: 1, expected 2");
}

Test(csv, bad_first_row_does_not_set_the_column_count) {
    an_dataset ds;
    an_clean_report r;
    cr_assert_eq(parse("1,2\n1,2,3\n0,4,5\n2,6,7\n", NULL, &ds, &r), AN_OK);
    cr_assert_eq(ds.n, 3);
    cr_assert_eq(ds.features, 2);
    cr_assert_eq(r.dropped[AN_DROP_COLUMNS], 1);
    cr_assert_eq(r.first_line[AN_DROP_COLUMNS], 1);
    an_dataset_free(&ds);
}

Test(csv, whole_file_errors) {
    an_dataset ds;
    an_clean_report r;
    cr_assert_eq(an_data_load_csv(tu_write_text("e.csv", ""), NULL, &ds, &r), AN_ERR_FORMAT);
    tu_assert_msg("e.csv: empty file");
    cr_assert_eq(parse("label,a\n\n", NULL, &ds, &r), AN_ERR_FORMAT);
    tu_assert_msg("t.csv: no data rows");
    cr_assert_eq(parse("1\n2\n", NULL, &ds, &r), AN_ERR_FORMAT);
    tu_assert_msg("t.csv: rows have 1 column");
    cr_assert_eq(parse("1,nan\nx,2\n-3,4\n", NULL, &ds, &r), AN_ERR_FORMAT);
    tu_assert_msg("t.csv: no usable rows: 3 read", "1 non-numeric field (first at line 2)",
                  "1 NaN or infinity (first at line 1)", "1 bad label (first at line 3)");
    cr_assert_null(ds.x);
    cr_assert_eq(an_data_load_csv(tu_path("none.csv"), NULL, &ds, &r), AN_ERR_IO);
    tu_assert_msg("none.csv");
}

Test(csv, shape_option_and_mnist_guess) {
    an_csv_options o = an_csv_defaults();
    an_dataset ds;
    o.h = 2;
    o.w = 2;
    o.c = 1;
    cr_assert_eq(parse("1,2,3,4,5\n", &o, &ds, NULL), AN_OK);
    cr_assert_eq(ds.h, 2);
    cr_assert_eq(ds.w, 2);
    an_dataset_free(&ds);
    o.c = 2;
    cr_assert_eq(parse("1,2,3,4,5\n", &o, &ds, NULL), AN_ERR_FORMAT);
    tu_assert_msg("4 features", "2x2x2 needs 8");
    /* 784 features: taken as a 28x28x1 image */
    static char row[784 * 2 + 8];
    size_t n = 0;
    row[n++] = '7';
    for (int i = 0; i < 784; i++) row[n++] = ',', row[n++] = '0';
    row[n++] = '\n';
    row[n] = '\0';
    cr_assert_eq(parse(row, NULL, &ds, NULL), AN_OK);
    cr_assert_eq(ds.h, 28);
    cr_assert_eq(ds.w, 28);
    cr_assert_eq(ds.c, 1);
    cr_assert_eq(ds.num_classes, 8);
    an_dataset_free(&ds);
}

Test(csv, nul_bytes_and_garbage_are_rows_not_crashes) {
    static const char text[] = "1,2\n3,\0\n\"\"\",\n4,5";
    an_dataset ds;
    an_clean_report r;
    cr_assert_eq(an_data_parse_csv(text, sizeof text - 1, "g.csv", NULL, &ds, &r), AN_OK, "%s",
                 an_errmsg());
    cr_assert_eq(ds.n, 2);
    cr_assert_eq(r.dropped[AN_DROP_NONNUMERIC], 1); /* the NUL byte */
    cr_assert_eq(r.dropped[AN_DROP_COLUMNS], 1);    /* an unclosed quote swallows the comma */
    an_dataset_free(&ds);
}
