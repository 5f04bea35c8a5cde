/*
** The Verilog header generator (src/hw/gen.c): an_params.vh carries the
** chip's numbers and every instruction field's shift and width exactly as
** the ISA table has them, and a chip the RTL cannot have is refused naming
** the field. The expected lines are built here from the configuration and
** AN_ISA_FIELD_TABLE, not copied from the generator's output.
*/
#include "asicnn/hw.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(hw_gen, .fini = leakcheck);

/* Whether text holds line (a whole line). */
static int has_line(const char *text, const char *line) {
    const size_t n = strlen(line);
    for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0)) return 1;
    return 0;
}

/* "gemm" -> "GEMM", "act_outer" -> "ACT_OUTER" */
static void upper(const char *s, char *out) {
    for (; *s; s++) *out++ = (char)toupper((unsigned char)*s);
    *out = 0;
}

Test(hw_gen, chip_numbers_and_every_isa_field) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    char *t = NULL;
    cr_assert_eq(an_hw_params_text(&c, &t), AN_OK, "%s", an_errmsg());
    char line[256];
    snprintf(line, sizeof line, "`define AN_ROWS        %d", c.rows);
    cr_assert(has_line(t, line), "%s", line);
    snprintf(line, sizeof line, "`define AN_ACT_BYTES   %lld", (long long)c.act_bytes);
    cr_assert(has_line(t, line), "%s", line);
    int abits = 0;
    while ((INT64_C(1) << abits) < c.act_bytes) abits++;
    snprintf(line, sizeof line, "`define AN_ACT_ABITS   %d", abits);
    cr_assert(has_line(t, line), "%s", line);
    snprintf(line, sizeof line, "`define AN_ISA_BITS %d", AN_ISA_BITS);
    cr_assert(has_line(t, line), "%s", line);
    for (int i = 0; i < AN_ISA_FIELD_COUNT; i++) {
        const an_isa_field *f = &AN_ISA_FIELD_TABLE[i];
        char op[32], name[64];
        upper(f->op, op);
        upper(f->name, name);
        snprintf(line, sizeof line, "`define AN_%s_%s_SHIFT %u", op, name, f->shift);
        cr_assert(has_line(t, line), "%s", line);
        snprintf(line, sizeof line, "`define AN_%s_%s_WIDTH %u", op, name, f->width);
        cr_assert(has_line(t, line), "%s", line);
    }
    int pop_prev = 0;
    while ((1u << pop_prev) != AN_DEP_POP_PREV) pop_prev++;
    snprintf(line, sizeof line, "`define AN_DEP_%-10s %d", "POP_PREV", pop_prev);
    cr_assert(has_line(t, line), "%s", line);
    cr_assert(strstr(t, "`ifndef AN_PARAMS_VH") != NULL);
    cr_assert(strcmp(t + strlen(t) - 8, "\n`endif\n") == 0, "the guard closes the file");
    free(t);
}

Test(hw_gen, gen_writes_the_same_text_to_a_file) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    char dir[] = "/tmp/an_hw_gen_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(an_hw_gen(&c, dir), AN_OK, "%s", an_errmsg());
    char path[64], *file = NULL, *t = NULL;
    snprintf(path, sizeof path, "%s/an_params.vh", dir);
    size_t n = 0;
    cr_assert_eq(an_read_file(path, 1 << 20, &file, &n), AN_OK, "%s", an_errmsg());
    cr_assert_eq(an_hw_params_text(&c, &t), AN_OK);
    cr_assert_str_eq(file, t);
    free(file);
    free(t);
    unlink(path);
    rmdir(dir);
}

Test(hw_gen, a_chip_the_rtl_cannot_have_is_refused) {
    an_npu_config c;
    cr_assert_eq(an_npu_config_get("npu16", &c), AN_OK);
    c.dram_bytes_per_cycle = 3; /* the RTL moves a power of two bytes a cycle */
    char *t = NULL;
    cr_assert_eq(an_hw_params_text(&c, &t), AN_ERR_FORMAT);
    cr_assert_null(t);
    cr_assert(strstr(an_errmsg(), "dram_bytes_per_cycle") != NULL, "%s", an_errmsg());
}
