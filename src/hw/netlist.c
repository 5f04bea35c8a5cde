/*
** The gate-level netlist that Yosys' write_verilog wrote, read back for
** what the reports need: each module's instances of other modules (the
** hierarchy the flow kept) and its flip-flops with the net on their Q pin
** (the register bit they hold, named as in the RTL).
**
** Contract
** - Reads only the shapes write_verilog emits: one "TYPE NAME (" line per
**   instance at two spaces of indentation, one ".PIN(NET)" line per
**   connection, ");" closing it; escaped identifiers (\name followed by a
**   space) are unescaped. Anything else is skipped.
** - Never prints; a file it cannot read is an error naming it.
*/
#include "hw_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct nl_inst {
    char *name, *type, *q; /* q: the net on pin Q, or NULL */
} nl_inst;

typedef struct nl_module {
    char *name;
    nl_inst *inst;
    int n, cap;
} nl_module;

struct hw_netlist {
    nl_module *mod;
    int n, cap;
};

/* One identifier at *p (escaped or plain) copied out unescaped; *p moves
** past it. NULL when there is none. */
static char *ident(const char **p) {
    const char *s = *p, *e;
    if (*s == '\\') {
        s++;
        e = s + strcspn(s, " \n");
    } else {
        e = s + strcspn(s, " ()\n,;");
    }
    if (e == s) return NULL;
    char *r = malloc((size_t)(e - s) + 1);
    if (!r) return NULL;
    memcpy(r, s, (size_t)(e - s));
    r[e - s] = 0;
    *p = *e == ' ' ? e + 1 : e;
    return r;
}

/* A net reference: an identifier with its bit select, if any ("\\a.b [3]"
** is "a.b[3]"). */
static char *net_ref(const char *p) {
    char *r = ident(&p);
    if (!r || *p != '[') return r;
    const size_t k = strcspn(p, "]") + 1, n = strlen(r);
    char *b = realloc(r, n + k + 1);
    if (!b) {
        free(r);
        return NULL;
    }
    memcpy(b + n, p, k);
    b[n + k] = 0;
    return b;
}

static int grow(void **a, int *cap, int n, size_t size) {
    if (n < *cap) return 0;
    int c = *cap ? 2 * *cap : 16;
    void *b = realloc(*a, (size_t)c * size);
    if (!b) return -1;
    *a = b, *cap = c;
    return 0;
}

static const char *const KEYWORDS[] = {"wire",      "reg",     "input",  "output",
                                       "inout",     "assign",  "always", "module",
                                       "endmodule", "initial", NULL};

static int keyword(const char *w) {
    for (const char *const *k = KEYWORDS; *k; k++)
        if (strcmp(w, *k) == 0) return 1;
    return 0;
}

/* An instance line "  TYPE NAME (" into m; 1 when it was one. */
static int instance_line(const char *line, nl_module *m, int *oom) {
    if (strncmp(line, "  ", 2) != 0 || line[2] == ' ') return 0;
    const char *p = line + 2;
    char *type = ident(&p), *name = NULL;
    if (type && !keyword(type)) {
        while (*p == ' ') p++;
        name = ident(&p);
        while (*p == ' ') p++;
    }
    if (!name || *p != '(' || p[1] != '\n' ||
        grow((void **)&m->inst, &m->cap, m->n, sizeof *m->inst)) {
        *oom |= name && *p == '(' && p[1] == '\n';
        free(type);
        free(name);
        return 0;
    }
    m->inst[m->n++] = (nl_inst){name, type, NULL};
    return 1;
}

an_status hw_netlist_read(const char *path, hw_netlist **out) {
    *out = NULL;
    char *text = NULL;
    an_status s = hw_read_text(path, &text);
    if (s) return s;
    hw_netlist *nl = calloc(1, sizeof *nl);
    int oom = !nl;
    nl_module *m = NULL;
    nl_inst *cur = NULL;
    for (const char *line = text; !oom && line && *line;) {
        const char *eol = strchr(line, '\n');
        if (strncmp(line, "module ", 7) == 0) {
            const char *p = line + 7;
            char *name = ident(&p);
            if (!name || grow((void **)&nl->mod, &nl->cap, nl->n, sizeof *nl->mod)) {
                free(name);
                oom = 1;
                break;
            }
            m = &nl->mod[nl->n++];
            *m = (nl_module){.name = name};
            cur = NULL;
        } else if (m && instance_line(line, m, &oom)) {
            cur = &m->inst[m->n - 1];
        } else if (cur && strncmp(line, "    .Q(", 7) == 0) {
            cur->q = net_ref(line + 7);
        } else if (strncmp(line, "  );", 4) == 0) {
            cur = NULL;
        }
        line = eol ? eol + 1 : NULL;
    }
    free(text);
    if (oom) {
        hw_netlist_free(nl);
        return an_fail(AN_ERR_NOMEM, "%s: out of memory reading the netlist", path);
    }
    *out = nl;
    return AN_OK;
}

void hw_netlist_free(hw_netlist *nl) {
    if (!nl) return;
    for (int i = 0; i < nl->n; i++) {
        for (int j = 0; j < nl->mod[i].n; j++) {
            free(nl->mod[i].inst[j].name);
            free(nl->mod[i].inst[j].type);
            free(nl->mod[i].inst[j].q);
        }
        free(nl->mod[i].inst);
        free(nl->mod[i].name);
    }
    free(nl->mod);
    free(nl);
}

static const nl_module *find(const hw_netlist *nl, const char *name) {
    for (int i = 0; i < nl->n; i++)
        if (strcmp(nl->mod[i].name, name) == 0) return &nl->mod[i];
    return NULL;
}

const char *hw_netlist_module_of(const hw_netlist *nl, const char *top, const char *path) {
    const nl_module *m = find(nl, top);
    const char *name = top;
    while (m && *path) {
        const size_t k = strcspn(path, "/");
        const nl_module *next = NULL;
        for (int i = 0; i < m->n && !next; i++)
            if (strlen(m->inst[i].name) == k && strncmp(m->inst[i].name, path, k) == 0) {
                name = m->inst[i].type;
                next = find(nl, name);
                if (!next) return path[k] ? NULL : name; /* a black box ends the path */
            }
        if (!next) return NULL;
        m = next;
        path += k + (path[k] == '/');
    }
    return m ? name : NULL;
}

/* The walk below module m at instance path inst (slashes) and reg (dots). */
static int walk(const hw_netlist *nl, const nl_module *m, const char *inst, const char *reg,
                const char *pre, hw_ff_fn fn, void *ctx) {
    for (int i = 0; i < m->n; i++) {
        const nl_inst *c = &m->inst[i];
        const size_t n = strlen(inst) + strlen(c->name) + (c->q ? strlen(c->q) : 0) + 2;
        char *ip = malloc(n), *rp = malloc(n + strlen(reg));
        if (!ip || !rp) {
            free(ip);
            free(rp);
            return -1;
        }
        snprintf(ip, n, "%s%s%s", inst, *inst ? "/" : "", c->name);
        int r = 0;
        const nl_module *sub = find(nl, c->type);
        if (sub) {
            snprintf(rp, n + strlen(reg), "%s%s%s", reg, *reg ? "." : "", c->name);
            r = walk(nl, sub, ip, rp, pre, fn, ctx);
        } else if (c->q && strncmp(c->type, pre, strlen(pre)) == 0) {
            snprintf(rp, n + strlen(reg), "%s%s%s", reg, *reg ? "." : "", c->q);
            r = fn(ctx, ip, rp);
        }
        free(ip);
        free(rp);
        if (r) return r;
    }
    return 0;
}

int hw_netlist_each_ff(const hw_netlist *nl, const char *top, const char *ff_prefix, hw_ff_fn fn,
                       void *ctx) {
    const nl_module *m = find(nl, top);
    return m ? walk(nl, m, "", "", ff_prefix, fn, ctx) : 0;
}
