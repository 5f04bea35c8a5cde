/*
** Switching activity from a simulation: the toggles of every signal bit in
** a VCD (Verilator's --trace output of the rtl backend), per clock, looked
** up by the register names that the synthesized netlist keeps.
**
** Contract
** - Reads the VCD once, front to back, so it may be a FIFO that a running
**   simulation writes; memory grows with the signals, not the run.
** - A toggle is a change between 0 and 1 of one bit (x and z neither count
**   nor reset the last known value); the first value of a bit is no toggle.
**   Clocks are the rising edges of the root scope's clk.
** - Returns an_status naming the file and line of a malformed VCD; never
**   prints.
*/
#include "hw_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sig {
    char *id;        /* the VCD identifier code */
    int width;       /* bits */
    char *val;       /* [width] last known value, msb first ('?' none yet) */
    int64_t *toggle; /* [width] */
} sig;

typedef struct var {
    char *name;   /* dotted path below the scope, without a bit range */
    int sig;      /* index into sigs */
    int msb, lsb; /* the declared range (0:0 for a scalar) */
} var;

struct hw_activity {
    sig *sigs;
    int nsig, capsig;
    int *idx; /* open-addressed on the id: sig index + 1, 0 empty */
    size_t nidx;
    var *vars;
    int nvar, capvar;
    int *port; /* sigs of the root's parent scope (the top's ports), clk aside */
    int nport, capport;
    int clk;        /* the clock's sig, -1 none */
    int64_t clocks; /* its rising edges */
};

static uint64_t hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int grow(void **a, int *cap, int n, size_t size) {
    if (n < *cap) return 0;
    int c = *cap ? 2 * *cap : 256;
    void *b = realloc(*a, (size_t)c * size);
    if (!b) return -1;
    *a = b, *cap = c;
    return 0;
}

/* The sig with identifier id[0..n), or -1. */
static int find_sig(const hw_activity *a, const char *id, size_t n) {
    if (!a->nidx) return -1;
    for (size_t h = hash(id, n) & (a->nidx - 1);; h = (h + 1) & (a->nidx - 1)) {
        const int k = a->idx[h] - 1;
        if (k < 0) return -1;
        if (strlen(a->sigs[k].id) == n && memcmp(a->sigs[k].id, id, n) == 0) return k;
    }
}

static int rehash(hw_activity *a) {
    const size_t n = a->nidx ? 2 * a->nidx : 1024;
    int *t = calloc(n, sizeof *t);
    if (!t) return -1;
    free(a->idx);
    a->idx = t, a->nidx = n;
    for (int k = 0; k < a->nsig; k++) {
        size_t h = hash(a->sigs[k].id, strlen(a->sigs[k].id)) & (n - 1);
        while (t[h]) h = (h + 1) & (n - 1);
        t[h] = k + 1;
    }
    return 0;
}

/* The sig for id (added with width when new); -1 out of memory. */
static int add_sig(hw_activity *a, const char *id, int width) {
    int k = find_sig(a, id, strlen(id));
    if (k >= 0) return k;
    if (grow((void **)&a->sigs, &a->capsig, a->nsig, sizeof *a->sigs)) return -1;
    sig *s = &a->sigs[a->nsig];
    *s = (sig){strdup(id), width, malloc((size_t)width), calloc((size_t)width, sizeof(int64_t))};
    if (!s->id || !s->val || !s->toggle) {
        free(s->id), free(s->val), free(s->toggle);
        return -1;
    }
    memset(s->val, '?', (size_t)width);
    a->nsig++;
    if ((size_t)a->nsig * 2 > a->nidx) return rehash(a) ? -1 : a->nsig - 1;
    size_t h = hash(id, strlen(id)) & (a->nidx - 1);
    while (a->idx[h]) h = (h + 1) & (a->nidx - 1);
    a->idx[h] = a->nsig;
    return a->nsig - 1;
}

/* Apply value v (msb first, n chars, left-extended) to sig k. */
static void apply(hw_activity *a, int k, const char *v, size_t n) {
    sig *s = &a->sigs[k];
    const char fill = n && (v[0] == 'x' || v[0] == 'z') ? v[0] : '0';
    for (int i = 0; i < s->width; i++) {
        const long j = (long)i - (s->width - (long)n);
        char c = j < 0 ? fill : v[j];
        if (c == 'X' || c == 'z' || c == 'Z') c = 'x';
        if (c != '0' && c != '1') continue;
        if (s->val[i] != '?' && s->val[i] != c) {
            s->toggle[i]++;
            if (k == a->clk && c == '1') a->clocks++;
        }
        s->val[i] = c;
    }
}

/* "$var wire 8 ab name [7:0] $end" below the scope path. */
static int declare(hw_activity *a, const char *line, const char *path) {
    char type[32], id[64], ref[512], range[64] = "";
    int width;
    if (sscanf(line, "$var %31s %d %63s %511s %63s", type, &width, id, ref, range) < 4 || width < 1)
        return 1;
    int msb = width - 1, lsb = 0;
    if (range[0] == '[' && sscanf(range, "[%d:%d]", &msb, &lsb) != 2) msb = lsb = 0;
    if (range[0] != '[') msb = width - 1, lsb = 0;
    const int k = add_sig(a, id, width);
    if (k < 0 || grow((void **)&a->vars, &a->capvar, a->nvar, sizeof *a->vars)) return -1;
    const size_t n = strlen(path) + strlen(ref) + 2;
    char *name = malloc(n);
    if (!name) return -1;
    snprintf(name, n, "%s%s%s", path, *path ? "." : "", ref);
    a->vars[a->nvar++] = (var){name, k, msb, lsb};
    if (!*path && strcmp(ref, "clk") == 0 && a->clk < 0) a->clk = k;
    return 0;
}

static int by_name(const void *x, const void *y) {
    return strcmp(((const var *)x)->name, ((const var *)y)->name);
}

/* Scope bookkeeping: the dotted path of the open scopes, and how deep the
** wanted root is (its scopes are stripped from the names). */
typedef struct scopes {
    char path[4096];
    int depth, root_depth, in_root;
    const char *root;
} scopes;

static void scope_push(scopes *sc, const char *name) {
    const size_t n = strlen(sc->path);
    snprintf(sc->path + n, sizeof sc->path - n, "%s%s", n ? "." : "", name);
    sc->depth++;
    if (!sc->in_root && strcmp(sc->path, sc->root) == 0)
        sc->in_root = 1, sc->root_depth = sc->depth;
}

static void scope_pop(scopes *sc) {
    char *d = strrchr(sc->path, '.');
    if (d)
        *d = 0;
    else
        sc->path[0] = 0;
    if (sc->in_root && sc->depth == sc->root_depth) sc->in_root = 0;
    sc->depth--;
}

/* The path below the root ("" at the root), or NULL outside it. */
static const char *below_root(const scopes *sc) {
    if (!sc->in_root) return NULL;
    const size_t r = strlen(sc->root);
    return sc->path[r] == '.' ? sc->path + r + 1 : sc->path + r;
}

an_status hw_activity_read(const char *vcd, const char *scope, hw_activity **out) {
    *out = NULL;
    FILE *f = fopen(vcd, "r");
    if (!f) return an_fail(AN_ERR_IO, "%s: cannot read the trace: %s", vcd, strerror(errno));
    hw_activity *a = calloc(1, sizeof *a);
    scopes sc = {.root = scope};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int body = 0, bad = !a, root_clk = -1;
    if (a) a->clk = -1;
    while (!bad && (len = getline(&line, &cap, f)) > 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            line[--len] = 0;
        const char *p = line;
        while (*p == ' ') p++;
        if (!*p) continue;
        if (body) {
            if (*p == 'b' || *p == 'B') {
                const char *sp = strchr(p, ' ');
                if (!sp) continue;
                const int k = find_sig(a, sp + 1, strlen(sp + 1));
                if (k >= 0) apply(a, k, p + 1, (size_t)(sp - p - 1));
            } else if (strchr("01xXzZ", *p)) {
                const int k = find_sig(a, p + 1, strlen(p + 1));
                if (k >= 0) apply(a, k, p, 1);
            }
            continue;
        }
        char name[512];
        if (sscanf(p, "$scope %*s %511s", name) == 1) {
            scope_push(&sc, name);
        } else if (strncmp(p, "$upscope", 8) == 0) {
            scope_pop(&sc);
        } else if (strncmp(p, "$var", 4) == 0) {
            const char *path = below_root(&sc);
            char type[32], id[64], ref[256];
            int w;
            if (sc.depth == 1 && sscanf(p, "$var %31s %d %63s %255s", type, &w, id, ref) == 4 &&
                w == 1 && strcmp(ref, "clk") == 0 && (root_clk = add_sig(a, id, 1)) < 0)
                bad = 1; /* the top's clock port */
            if (path && declare(a, p, path) < 0) bad = 1;
        } else if (strncmp(p, "$enddefinitions", 15) == 0) {
            body = 1;
            if (a->clk < 0) a->clk = root_clk;
        }
    }
    free(line);
    fclose(f);
    if (bad) {
        hw_activity_free(a);
        return an_fail(AN_ERR_NOMEM, "%s: out of memory reading the trace", vcd);
    }
    if (!body || a->clk < 0 || a->nvar == 0) {
        hw_activity_free(a);
        return an_fail(AN_ERR_FORMAT,
                       "%s: not a VCD with a clk and signals under scope %s (line %ld); trace "
                       "a run with `asicnn run ... --backend rtl --vcd FILE`",
                       vcd, scope, lineno);
    }
    qsort(a->vars, (size_t)a->nvar, sizeof *a->vars, by_name);
    *out = a;
    return AN_OK;
}

void hw_activity_free(hw_activity *a) {
    if (!a) return;
    for (int i = 0; i < a->nsig; i++) {
        free(a->sigs[i].id);
        free(a->sigs[i].val);
        free(a->sigs[i].toggle);
    }
    for (int i = 0; i < a->nvar; i++) free(a->vars[i].name);
    free(a->sigs);
    free(a->vars);
    free(a->idx);
    free(a);
}

double hw_activity_clocks(const hw_activity *a) {
    return (double)a->clocks;
}

static const var *find_var(const hw_activity *a, const char *name) {
    const var key = {.name = (char *)name};
    return bsearch(&key, a->vars, (size_t)a->nvar, sizeof *a->vars, by_name);
}

double hw_activity_of(const hw_activity *a, const char *reg) {
    if (a->clocks <= 0) return -1;
    const var *v = find_var(a, reg);
    int bit = 0;
    if (!v) { /* "name[3]": bit 3 of the vector name */
        const size_t n = strlen(reg);
        const char *lb = n ? strrchr(reg, '[') : NULL;
        char *end;
        if (!lb || reg[n - 1] != ']') return -1;
        bit = (int)strtol(lb + 1, &end, 10);
        if (end != reg + n - 1) return -1;
        char base[1024];
        snprintf(base, sizeof base, "%.*s", (int)(lb - reg), reg);
        if (!(v = find_var(a, base))) return -1;
    }
    const int hi = v->msb > v->lsb ? v->msb : v->lsb, lo = v->msb > v->lsb ? v->lsb : v->msb;
    if (bit < lo || bit > hi) return -1;
    const int pos = v->msb >= v->lsb ? v->msb - bit : bit - v->msb;
    const sig *s = &a->sigs[v->sig];
    if (pos < 0 || pos >= s->width) return -1;
    return (double)s->toggle[pos] / (double)a->clocks;
}
