/*
** Regression files of the chain tester and one-line case descriptions.
**
** Contract
** - ch_write_repro writes DIR/NAME.q8 (the graph, through an_q8_save),
**   DIR/NAME.json (the chip, as an_npu_config_json writes it) and
**   DIR/NAME.txt: comment lines (the failure, the case, the asicnn command
**   that compiles it) and key=value lines (batch, conv, host_ops, no_fuse,
**   input_seed, expect_error).
** - ch_read_repro reads them back; a missing or malformed file is an error
**   naming it and the line.
*/
#include "chain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* printf at buf + *at, advancing *at (truncating at n). */
static void append(char *buf, size_t n, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t n, size_t *at, const char *fmt, ...) {
    if (*at >= n) return;
    va_list ap;
    va_start(ap, fmt);
    const int w = vsnprintf(buf + *at, n - *at, fmt, ap);
    va_end(ap);
    if (w > 0) *at += (size_t)w < n - *at ? (size_t)w : n - *at - 1;
}

const char *ch_describe(const ch_case *k, char *buf, size_t n) {
    size_t at = 0;
    buf[0] = 0;
    append(buf, n, &at, "in %dx%dx%d zp %d |", k->h, k->w, k->c, k->in_zp);
    for (int i = 0; i < k->n; i++) {
        const ch_layer *l = &k->layer[i];
        append(buf, n, &at, " %s(t%d", AN_Q_OP_NAME[l->op], l->in0);
        if (l->op == AN_Q_ADD) append(buf, n, &at, ",t%d", l->in1);
        if (l->op == AN_Q_CONV2D || l->op == AN_Q_DENSE) append(buf, n, &at, " c%d", l->c);
        if (l->op == AN_Q_CONV2D && (l->groups < 0 || l->groups > 1))
            append(buf, n, &at, l->groups < 0 ? " depthwise x%d" : " g%d",
                   l->groups < 0 ? -l->groups : l->groups);
        if (l->op == AN_Q_CONV2D || l->op == AN_Q_MAXPOOL || l->op == AN_Q_AVGPOOL)
            append(buf, n, &at, " k%dx%d s%dx%d p%d,%d,%d,%d", l->kh, l->kw, l->sh, l->sw, l->pt,
                   l->pb, l->pl, l->pr);
        if (l->qx) append(buf, n, &at, " qx%d", l->qx);
        append(buf, n, &at, ")");
    }
    const an_npu_config *c = &k->chip;
    append(buf, n, &at,
           " | chip %dx%d lanes %d act %lld wgt %lld acc %lld bw %g lat %d burst %d depth %d/%d "
           "| batch %d conv %d host 0x%x no_fuse %d",
           c->rows, c->cols, c->vec_lanes, (long long)c->act_bytes, (long long)c->wgt_bytes,
           (long long)c->acc_bytes, c->dram_bytes_per_cycle, c->dram_latency, c->dram_burst,
           c->insn_depth, c->token_depth, k->batch, k->conv, k->host_ops, k->no_fuse);
    return buf;
}

/* dir/name.ext into out. */
static void path_of(char *out, size_t n, const char *dir, const char *name, const char *ext) {
    snprintf(out, n, "%s/%s.%s", dir, name, ext);
}

an_status ch_write_repro(const ch_case *k, const ch_result *r, const char *dir, const char *name) {
    char p[1024], desc[2048];
    an_q_graph g;
    if (ch_build(k, &g) != CH_BUILD_OK)
        return an_fail(AN_ERR_INTERNAL, "chain case %s does not build", name);
    path_of(p, sizeof p, dir, name, "q8");
    an_status s = an_q8_save(p, &g);
    an_q_graph_free(&g);
    if (s) return s;
    char *json = an_npu_config_json(&k->chip);
    if (!json) return an_fail(AN_ERR_NOMEM, "out of memory");
    path_of(p, sizeof p, dir, name, "json");
    FILE *f = fopen(p, "w");
    if (f) fputs(json, f), fputc('\n', f);
    free(json);
    if (!f || fclose(f) != 0) return an_fail(AN_ERR_IO, "%s: cannot write", p);
    path_of(p, sizeof p, dir, name, "txt");
    if (!(f = fopen(p, "w"))) return an_fail(AN_ERR_IO, "%s: cannot write", p);
    static const char *const conv[] = {"auto", "kpos", "im2col"};
    fprintf(f, "# chain tester regression, case seed %llu\n", (unsigned long long)k->seed);
    fprintf(f, "# verdict when written: %s: %s\n", CH_VERDICT_NAME[r->v], r->msg);
    fprintf(f, "# case: %s\n", ch_describe(k, desc, sizeof desc));
    fprintf(
        f, "# compile: asicnn compile %s.q8 --chip %s.json --batch %d --conv %s%s%s%s%s -o x.npu\n",
        name, name, k->batch, conv[k->conv % 3], k->no_fuse ? " --no-fuse" : "",
        k->host_ops ? " --host " : "", k->host_ops & (1u << AN_Q_MAXPOOL) ? "maxpool,avgpool" : "",
        k->host_ops & (1u << AN_Q_ADD) ? (k->host_ops & (1u << AN_Q_MAXPOOL) ? ",add" : "add")
                                       : "");
    fprintf(f,
            "batch=%d\nconv=%d\nhost_ops=%u\nno_fuse=%d\ninput_seed=%u\nexpect_error=%d\nrtl=%d\n",
            k->batch, k->conv, k->host_ops, k->no_fuse, k->input_seed, k->expect_error, k->rtl);
    return fclose(f) == 0 ? AN_OK : an_fail(AN_ERR_IO, "%s: cannot write", p);
}

an_status ch_read_repro(const char *txt_path, ch_case *k, an_q_graph *g) {
    memset(k, 0, sizeof *k);
    *g = (an_q_graph){0};
    k->batch = 1;
    FILE *f = fopen(txt_path, "r");
    if (!f) return an_fail(AN_ERR_IO, "%s: cannot open", txt_path);
    char line[1024];
    int ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (line[0] == '#' || line[0] == '\n') continue;
        char key[32];
        long long v;
        if (sscanf(line, "%31[a-z_]=%lld", key, &v) != 2) {
            fclose(f);
            return an_fail(AN_ERR_FORMAT, "%s:%d: expected key=number", txt_path, ln);
        }
        if (!strcmp(key, "batch"))
            k->batch = (int)v;
        else if (!strcmp(key, "conv"))
            k->conv = (int)v;
        else if (!strcmp(key, "host_ops"))
            k->host_ops = (uint32_t)v;
        else if (!strcmp(key, "no_fuse"))
            k->no_fuse = (int)v;
        else if (!strcmp(key, "input_seed"))
            k->input_seed = (uint32_t)v;
        else if (!strcmp(key, "rtl"))
            k->rtl = (int)v;
        else if (!strcmp(key, "expect_error"))
            k->expect_error = (int)v;
        else {
            fclose(f);
            return an_fail(AN_ERR_FORMAT, "%s:%d: unknown key '%s'", txt_path, ln, key);
        }
    }
    fclose(f);
    const size_t n = strlen(txt_path);
    if (n < 4 || strcmp(txt_path + n - 4, ".txt") != 0)
        return an_fail(AN_ERR_USAGE, "%s: a regression's name ends in .txt", txt_path);
    char p[1024];
    snprintf(p, sizeof p, "%.*s.json", (int)(n - 4), txt_path);
    an_status s = an_npu_config_get(p, &k->chip);
    if (s) return s;
    snprintf(p, sizeof p, "%.*s.q8", (int)(n - 4), txt_path);
    return an_q8_load(p, g);
}
