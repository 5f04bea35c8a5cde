/*
** Parsing what the tools print: Yosys' `stat` (cell counts, areas per
** module, the design hierarchy) and lines of OpenSTA's log.
**
** Contract: pure functions of the text; an absent figure is -1 (numbers),
** 0 (counts) or "" (lines), never an error.
*/
#include "hw_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double hw_num_after(const char *text, const char *from, const char *key) {
    const char *p = from ? strstr(text, from) : text;
    if (!p || !(p = strstr(p, key))) return -1;
    p += strlen(key);
    const char *colon = strchr(p, ':'), *eol = strchr(p, '\n');
    if (colon && (!eol || colon < eol)) p = colon + 1; /* "... '\\top': 123" */
    while (*p == ' ' || *p == '\t') p++;
    char *end;
    double v = strtod(p, &end);
    return end == p ? -1 : v;
}

long hw_sum_cells(const char *text, const char *from, const char *prefix) {
    const char *p = from ? strstr(text, from) : text;
    long sum = 0;
    if (!p) return 0;
    for (; (p = strchr(p, '\n')); p++) {
        char name[64];
        long v;
        if (sscanf(p + 1, " %63s %ld", name, &v) == 2 && strncmp(name, prefix, strlen(prefix)) == 0)
            sum += v;
    }
    return sum;
}

/* One line of the design hierarchy: its depth (indentation), module name
** and count per parent instance; 0 at the block's end or a line of another
** shape. */
typedef struct hier_line {
    int depth;
    char name[512];
    long count;
} hier_line;

static int next_hier(const char **p, hier_line *h) {
    for (;;) {
        const char *q = strchr(*p, '\n');
        if (!q) return 0;
        *p = q + 1;
        if (strncmp(*p, "   Number of", 12) == 0) return 0;
        if (**p == '\n' || **p == '\r') continue; /* sscanf would read the next line */
        int sp = 0;
        while ((*p)[sp] == ' ') sp++;
        if (sscanf(*p, " %511s %ld", h->name, &h->count) != 2) continue;
        h->depth = (sp - 3) / 2;
        return 1;
    }
}

long hw_hier_instances(const char *text) {
    const char *p = strstr(text, "=== design hierarchy ===");
    long mult[64] = {1}, sum = 0;
    hier_line h;
    if (!p) return 0;
    while (next_hier(&p, &h)) {
        if (h.depth <= 0 || h.depth >= 64) continue; /* the top */
        mult[h.depth] = mult[h.depth - 1] * h.count;
        sum += mult[h.depth];
    }
    return sum;
}

/* "$paramod\an_dma\BPC=..." and "$paramod$1a2b\an_dma" are an_dma. */
static void base_name(const char *m, char *out, size_t n) {
    const char *b = m;
    if (strncmp(m, "$paramod", 8) == 0 && (b = strchr(m, '\\')))
        b++;
    else if (*m == '\\')
        b = m + 1;
    snprintf(out, n, "%.*s", (int)strcspn(b, "\\"), b);
}

/* The area of module m's own cells ("Chip area for module '\m': X"). */
static double own_area(const char *text, const char *m) {
    char key[600];
    snprintf(key, sizeof key, "Chip area for module '%s%s'", *m == '$' ? "" : "\\", m);
    return hw_num_after(text, NULL, key);
}

typedef struct mod_area {
    char name[128];
    double instances, per, total;
} mod_area;

static int by_total(const void *a, const void *b) {
    const double x = ((const mod_area *)a)->total, y = ((const mod_area *)b)->total;
    return (x < y) - (x > y);
}

cJSON *hw_module_areas(const char *text) {
    enum { MAXM = 64 };
    mod_area m[MAXM];
    int n = 0;
    const char *p = strstr(text, "=== design hierarchy ===");
    long mult[64] = {1};
    hier_line h;
    while (p && next_hier(&p, &h)) {
        if (h.depth < 0 || h.depth >= 64) continue;
        mult[h.depth] = h.depth ? mult[h.depth - 1] * h.count : 1;
        const double a = own_area(text, h.name);
        if (a < 0) continue; /* a black box: no cells of its own */
        char b[128];
        base_name(h.name, b, sizeof b);
        int i = 0;
        while (i < n && strcmp(m[i].name, b) != 0) i++;
        if (i == n) {
            if (n == MAXM) continue;
            m[n++] = (mod_area){.instances = 0};
            snprintf(m[i].name, sizeof m[i].name, "%s", b);
        }
        m[i].instances += (double)mult[h.depth];
        m[i].total += (double)mult[h.depth] * a;
    }
    if (n == 0) { /* a flat design: the one module */
        const char *q = strstr(text, "=== ");
        char name[128];
        if (q && sscanf(q, "=== %127s ===", name) == 1) {
            m[0] = (mod_area){.instances = 1, .total = own_area(text, name)};
            base_name(name, m[0].name, sizeof m[0].name);
            n = m[0].total > 0;
        }
    }
    qsort(m, (size_t)n, sizeof *m, by_total);
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "module", m[i].name);
        cJSON_AddNumberToObject(e, "instances", m[i].instances);
        cJSON_AddNumberToObject(e, "area_um2", m[i].total);
        cJSON_AddItemToArray(arr, e);
    }
    return arr;
}

void hw_line_after(const char *text, const char *key, char *out, size_t n) {
    const char *p = strstr(text, key);
    out[0] = 0;
    if (!p) return;
    p += strlen(key);
    while (*p == ' ') p++;
    size_t k = strcspn(p, "\r\n");
    snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), p);
}
