/*
** The comparison's arithmetic and labels (src/report): the spread of timed
** repeats (median of odd and even counts, minimum, maximum), and the table
** written as text, CSV and JSON with every row labelled measured or
** modelled, absent figures shown as absent, and quotes in notes escaped.
*/
#include "asicnn/report.h"

#include "leakcheck.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(report_cmp, .fini = leakcheck);

Test(report_cmp, spread_median_min_max) {
    double odd[5] = {9, 1, 5, 7, 3};
    an_spread s = an_spread_of(odd, 5);
    cr_assert_float_eq(s.median, 5, 1e-12);
    cr_assert_float_eq(s.min, 1, 1e-12);
    cr_assert_float_eq(s.max, 9, 1e-12);
    double even[4] = {4, 10, 2, 8};
    s = an_spread_of(even, 4);
    cr_assert_float_eq(s.median, 6, 1e-12, "the mean of the middle two");
    cr_assert_float_eq(s.min, 2, 1e-12);
    cr_assert_float_eq(s.max, 10, 1e-12);
    double one[1] = {-3.5};
    s = an_spread_of(one, 1);
    cr_assert(s.median == -3.5 && s.min == -3.5 && s.max == -3.5);
}

/* Two rows: a measured CPU without area or clock, a modelled ASIC with both. */
static an_cmp two_rows(void) {
    an_cmp c = {.n = 2, .images = 100};
    snprintf(c.model, sizeof c.model, "m.q8");
    c.rows[0] = (an_cmp_row){.measured = 1,
                             .latency_us = 12.5,
                             .batch = 64,
                             .throughput = 800,
                             .energy_uj = 437.5,
                             .accuracy = 91.25,
                             .area_mm2 = -1,
                             .clock_mhz = -1};
    snprintf(c.rows[0].target, sizeof c.rows[0].target, "CPU int8");
    snprintf(c.rows[0].extra, sizeof c.rows[0].extra, "AVX2 \"fast\"");
    snprintf(c.rows[0].source, sizeof c.rows[0].source, "wall time");
    c.rows[1] = (an_cmp_row){.measured = 0,
                             .latency_us = 3.25,
                             .batch = 64,
                             .throughput = 20000,
                             .energy_uj = 1.5,
                             .accuracy = 91.25,
                             .area_mm2 = 1.234,
                             .clock_mhz = 500};
    snprintf(c.rows[1].target, sizeof c.rows[1].target, "ASIC npu16");
    snprintf(c.rows[1].source, sizeof c.rows[1].source, "simulator cycles");
    return c;
}

/* c written in format into a malloc'd string. */
static char *written(const an_cmp *c, int format) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    cr_assert_not_null(f);
    cr_assert_eq(an_cmp_write(c, f, format), AN_OK);
    fclose(f);
    return buf;
}

Test(report_cmp, text_labels_rows_and_absent_figures) {
    const an_cmp c = two_rows();
    char *t = written(&c, AN_FMT_TEXT);
    cr_assert(strstr(t, "m.q8 on 100 test images; throughput at batch 64") != NULL, "%s", t);
    const char *cpu = strstr(t, "\nCPU int8 "), *asic = strstr(t, "\nASIC npu16 ");
    cr_assert(cpu && asic, "%s", t);
    cr_assert(strncmp(strstr(cpu, "measured"), "measured", 8) == 0);
    cr_assert(strstr(cpu, "measured") < asic, "the CPU row says measured");
    cr_assert(strstr(asic, "modelled") != NULL, "the ASIC row says modelled");
    cr_assert(strstr(cpu, "12.50") < asic && strstr(cpu, "91.25") < asic, "%s", t);
    cr_assert(strstr(asic, "1.234") && strstr(asic, "500"), "%s", t);
    cr_assert(strstr(t, "  CPU int8 [measured]: wall time\n") != NULL, "%s", t);
    cr_assert(strstr(t, "  ASIC npu16 [modelled]: simulator cycles\n") != NULL, "%s", t);
    free(t);
}

Test(report_cmp, csv_quotes_and_json_leaves_absent_out) {
    const an_cmp c = two_rows();
    char *t = written(&c, AN_FMT_CSV);
    cr_assert(strncmp(t, "target,kind,latency_us,", 23) == 0, "%s", t);
    cr_assert(strstr(t, "\nCPU int8,measured,12.5000,64,800.00,437.500000,91.25,") != NULL, "%s",
              t);
    cr_assert(strstr(t, ",\"AVX2 \"\"fast\"\"\",\"wall time\"\n") != NULL, "%s", t);
    cr_assert(strstr(t, "\nASIC npu16,modelled,3.2500,64,20000.00,1.500000,91.25,1.2340,500.0,") !=
                  NULL,
              "%s", t);
    free(t);
    t = written(&c, AN_FMT_JSON);
    cJSON *root = cJSON_Parse(t);
    cr_assert_not_null(root, "%s", t);
    const cJSON *rows = cJSON_GetObjectItem(root, "rows");
    cr_assert_eq(cJSON_GetArraySize(rows), 2);
    const cJSON *r0 = cJSON_GetArrayItem(rows, 0), *r1 = cJSON_GetArrayItem(rows, 1);
    cr_assert_str_eq(cJSON_GetObjectItem(r0, "kind")->valuestring, "measured");
    cr_assert_str_eq(cJSON_GetObjectItem(r1, "kind")->valuestring, "modelled");
    cr_assert_null(cJSON_GetObjectItem(r0, "area_mm2"), "no area for a CPU");
    cr_assert_float_eq(cJSON_GetObjectItem(r1, "area_mm2")->valuedouble, 1.234, 1e-9);
    cr_assert_str_eq(cJSON_GetObjectItem(r0, "notes")->valuestring, "AVX2 \"fast\"");
    cJSON_Delete(root);
    free(t);
}
