/*
** SCALE-Sim v2 compatible mode: its INI config and topology CSV, and its
** CALC-mode cycle counts for weight-, output- and input-stationary arrays
** (docs/timing.md): a layer is an im2col GEMM with two dimensions in space
** (Sr, Sc) and one in time (T); folds = ceil(Sr/R) x ceil(Sc/C); each fold
** takes 2R + C + T - 2 cycles (WS, IS) or R + C + T - 2 (OS); the layer
** takes folds x per-fold - 1. Writes COMPUTE_REPORT.csv.
*/
#include "asicnn/report.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

an_status an_ss_config_parse(const char *text, const char *src, an_ss_config *c) {
    memset(c, 0, sizeof *c);
    snprintf(c->run_name, sizeof c->run_name, "scale_run");
    c->rows = c->cols = 32;
    char *buf = strdup(text);
    if (!buf) return an_fail(AN_ERR_NOMEM, "out of memory");
    an_status s = AN_OK;
    int line = 0;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l && !s;
         l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *t = trim(l), *eq = strpbrk(t, ":=");
        if (!*t || *t == '#' || *t == ';' || *t == '[' || !eq) continue;
        *eq = 0;
        char *k = trim(t), *v = trim(eq + 1);
        if (strcasecmp(k, "run_name") == 0) {
            snprintf(c->run_name, sizeof c->run_name, "%s", v);
        } else if (strcasecmp(k, "ArrayHeight") == 0 || strcasecmp(k, "ArrayWidth") == 0) {
            char *end;
            long n = strtol(v, &end, 10);
            if (end == v || *end || n < 1 || n > 65536)
                s = an_fail(AN_ERR_FORMAT, "%s:%d: %s must be a whole number 1..65536", src, line,
                            k);
            else if (strcasecmp(k, "ArrayHeight") == 0)
                c->rows = (int32_t)n;
            else
                c->cols = (int32_t)n;
        } else if (strcasecmp(k, "Dataflow") == 0) {
            if (strcasecmp(v, "ws") == 0)
                c->flow = AN_SS_WS;
            else if (strcasecmp(v, "os") == 0)
                c->flow = AN_SS_OS;
            else if (strcasecmp(v, "is") == 0)
                c->flow = AN_SS_IS;
            else
                s = an_fail(AN_ERR_FORMAT, "%s:%d: Dataflow must be ws, os or is", src, line);
        }
    }
    free(buf);
    return s;
}

an_status an_ss_topology_parse(const char *text, const char *src, an_ss_layer **layers, int *n) {
    *layers = NULL;
    *n = 0;
    char *buf = strdup(text);
    if (!buf) return an_fail(AN_ERR_NOMEM, "out of memory");
    an_status s = AN_OK;
    int line = 0, cap = 0;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l && !s;
         l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *t = trim(l);
        if (!*t || line == 1) continue; /* the header */
        an_ss_layer L = {0};
        int64_t v[9] = {0};
        int f = 0;
        char *save2 = NULL;
        for (char *tok = strtok_r(t, ",", &save2); tok && f < 9 && !s;
             tok = strtok_r(NULL, ",", &save2), f++) {
            tok = trim(tok);
            if (f == 0) {
                snprintf(L.name, sizeof L.name, "%s", tok);
                continue;
            }
            char *end;
            long long x = strtoll(tok, &end, 10);
            if (end == tok || *end || x < 1 || x > (1 << 24))
                s = an_fail(AN_ERR_FORMAT, "%s:%d: field %d ('%s') must be a whole number >= 1",
                            src, line, f + 1, tok);
            v[f] = x;
        }
        if (s) break;
        if (f < 8) {
            s = an_fail(AN_ERR_FORMAT,
                        "%s:%d: needs 8 fields (name, ifmap h, w, filter h, w, "
                        "channels, filters, stride)",
                        src, line);
            break;
        }
        L.ih = v[1], L.iw = v[2], L.fh = v[3], L.fw = v[4], L.ch = v[5], L.nf = v[6];
        L.sh = v[7], L.sw = f > 8 && v[8] ? v[8] : v[7];
        if (L.fh > L.ih || L.fw > L.iw) {
            s = an_fail(AN_ERR_FORMAT, "%s:%d: filter larger than the ifmap", src, line);
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            an_ss_layer *g = realloc(*layers, sizeof *g * (size_t)cap);
            if (!g) {
                s = an_fail(AN_ERR_NOMEM, "out of memory");
                break;
            }
            *layers = g;
        }
        (*layers)[(*n)++] = L;
    }
    free(buf);
    if (!s && !*n) s = an_fail(AN_ERR_FORMAT, "%s: no layers", src);
    if (s) free(*layers), *layers = NULL, *n = 0;
    return s;
}

an_status an_ss_layer_run(const an_ss_config *c, const an_ss_layer *l, an_ss_result *r) {
    memset(r, 0, sizeof *r);
    const int64_t E = (l->ih - l->fh + l->sh + l->sh - 1) / l->sh;
    const int64_t F = (l->iw - l->fw + l->sw + l->sw - 1) / l->sw;
    const int64_t K = l->fh * l->fw * l->ch, M = l->nf, P = E * F, R = c->rows, C = c->cols;
    int64_t Sr, Sc, T;
    if (c->flow == AN_SS_WS)
        Sr = K, Sc = M, T = P;
    else if (c->flow == AN_SS_OS)
        Sr = P, Sc = M, T = K;
    else
        Sr = K, Sc = P, T = M;
    const int64_t folds = ((Sr + R - 1) / R) * ((Sc + C - 1) / C);
    const int64_t per_fold = (c->flow == AN_SS_OS ? R : 2 * R) + C + T - 2;
    r->folds = folds;
    r->cycles = folds * per_fold - 1;
    r->macs = P * K * M;
    r->overall_util = 100.0 * (double)r->macs / ((double)r->cycles * (double)(R * C));
    /* the used PEs of all folds add up to Sr x Sc */
    const double map = (double)Sr * (double)Sc / ((double)folds * (double)(R * C));
    r->mapping_eff = 100.0 * map;
    r->compute_util = 100.0 * map * (double)T / (double)per_fold;
    return AN_OK;
}

an_status an_ss_write_report(const char *path, const an_ss_result *r, int n) {
    an_afile f;
    an_status s = an_afile_open(&f, path);
    if (s) return s;
    char line[256];
    int k = snprintf(line, sizeof line,
                     "LayerID, Total Cycles, Stall Cycles, Overall Util %%, "
                     "Mapping Efficiency %%, Compute Util %%,\n");
    s = an_afile_write(&f, line, (size_t)k);
    for (int i = 0; i < n && !s; i++) {
        k = snprintf(line, sizeof line, "%d, %lld, %lld, %.6f, %.6f, %.6f,\n", i,
                     (long long)r[i].cycles, (long long)r[i].stalls, r[i].overall_util,
                     r[i].mapping_eff, r[i].compute_util);
        s = an_afile_write(&f, line, (size_t)k);
    }
    if (s) {
        an_afile_abort(&f);
        return s;
    }
    return an_afile_commit(&f);
}
