/*
** The model spec parser: a Keras-like text file, one layer per line, into
** an an_model graph. The grammar is documented in docs/model-spec.md.
**
**   input 28x28x1
**   conv2d 32 3x3 relu          # filters, kernel, then options
**   maxpool2d 2x2
**   dense 10
**   compile optimizer=adam lr=0.001 loss=sparse_categorical_crossentropy
**
** Each layer takes the previous line's layer as input unless `from=NAME`
** says otherwise; `add NAME` adds NAME to it (residual). Every error names
** the file and line, and for values with a fixed set of choices lists them.
*/
#include "nn_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 32
#define MAX_NODES  1024

typedef struct spec_line {
    const char *file;
    int line;
    int ntok;
    char *tok[MAX_TOKENS];
} spec_line;

static an_status spec_err(const spec_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static an_status spec_err(const spec_line *l, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return an_fail(AN_ERR_FORMAT, "%s:%d: %s", l->file, l->line, msg);
}

/* "a, b, c" listing of a name table, for "valid: ..." hints. */
static const char *list_names(const char *const *names, int n, char *buf, size_t size) {
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "", names[i]);
    return buf;
}

/* Index of s in names[0..n), or -1. */
static int find_name(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

static int parse_int(const char *s, int lo, int hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

static int parse_float(const char *s, float *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) return -1;
    *out = (float)v;
    return 0;
}

/* "3x3" -> (3,3), "3" -> (3,3); dims in 1..max. */
static int parse_pair(const char *s, int max, int *a, int *b) {
    char buf[64];
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    char *x = strchr(buf, 'x');
    if (!x) {
        if (parse_int(buf, 1, max, a)) return -1;
        *b = *a;
        return 0;
    }
    *x = '\0';
    return parse_int(buf, 1, max, a) || parse_int(x + 1, 1, max, b) ? -1 : 0;
}

/* Explicit padding: "P" (all sides), "PHxPW" (top/bottom, left/right) or
** "T,L,B,R"; each in 0..63. */
static int parse_pads(const char *s, int *t, int *l, int *b, int *r) {
    char buf[64];
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    if (!strchr(buf, ',')) {
        char *x = strchr(buf, 'x');
        if (x) *x = '\0';
        if (parse_int(buf, 0, 63, t) || (x && parse_int(x + 1, 0, 63, l))) return -1;
        if (!x) *l = *t;
        *b = *t, *r = *l;
        return 0;
    }
    int v[4], k = 0;
    for (char *p = buf, *c; k < 4; p = c + 1) {
        c = strchr(p, ',');
        if (c) *c = '\0';
        if (parse_int(p, 0, 63, &v[k++])) return -1;
        if (!c) break;
    }
    if (k != 4) return -1;
    *t = v[0], *l = v[1], *b = v[2], *r = v[3];
    return 0;
}

/* Split one line into whitespace-separated tokens; '#' starts a comment. */
static an_status tokenize(char *text, spec_line *l) {
    char *hash = strchr(text, '#');
    if (hash) *hash = '\0';
    l->ntok = 0;
    for (char *p = text; *p;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        if (l->ntok == MAX_TOKENS) return spec_err(l, "too many words on one line");
        l->tok[l->ntok++] = p;
        while (*p && !isspace((unsigned char)*p)) p++;
        if (*p) *p++ = '\0';
    }
    return AN_OK;
}

/* Spec keyword -> op, with the Keras class names accepted as aliases. */
static int op_from_word(const char *w) {
    static const struct {
        const char *word;
        an_op op;
    } ALIASES[] = {
        {"maxpool2d", AN_OP_MAXPOOL},
        {"max_pooling2d", AN_OP_MAXPOOL},
        {"maxpooling2d", AN_OP_MAXPOOL},
        {"avgpool2d", AN_OP_AVGPOOL},
        {"average_pooling2d", AN_OP_AVGPOOL},
        {"batch_normalization", AN_OP_BATCHNORM},
        {"batchnormalization", AN_OP_BATCHNORM},
        {"conv", AN_OP_CONV2D},
    };
    char low[64];
    size_t n = strlen(w);
    if (n >= sizeof low) return -1;
    for (size_t i = 0; i <= n; i++) low[i] = (char)tolower((unsigned char)w[i]);
    int op = find_name(low, AN_OP_NAME, AN_OP_COUNT);
    if (op >= 0) return op;
    for (size_t i = 0; i < sizeof ALIASES / sizeof ALIASES[0]; i++)
        if (strcmp(low, ALIASES[i].word) == 0) return (int)ALIASES[i].op;
    return -1;
}

/* Whether w names a depthwise conv: depthwise_conv2d, or the Keras class
** name DepthwiseConv2D (any case). */
static int is_depthwise_word(const char *w) {
    char low[32];
    size_t n = strlen(w);
    if (n >= sizeof low) return 0;
    for (size_t i = 0; i <= n; i++) low[i] = (char)tolower((unsigned char)w[i]);
    return strcmp(low, "depthwise_conv2d") == 0 || strcmp(low, "depthwiseconv2d") == 0;
}

/* Options common to layer lines: name=, from=, activation words, padding
** and stride. Returns 1 when the token was consumed, 0 when not, <0 on error
** (message recorded). */
static int layer_option(const spec_line *l, const char *t, an_node *n, char *from, size_t from_n) {
    int act = find_name(t, AN_ACT_NAME, AN_ACT_COUNT);
    if (strcmp(t, "linear") == 0) act = AN_ACT_NONE;
    if (strncmp(t, "activation=", 11) == 0) {
        act = find_name(t + 11, AN_ACT_NAME, AN_ACT_COUNT);
        if (strcmp(t + 11, "linear") == 0) act = AN_ACT_NONE;
        if (act < 0) {
            char names[128];
            spec_err(l, "unknown activation '%s'; valid: linear, %s", t + 11,
                     list_names(AN_ACT_NAME + 1, AN_ACT_COUNT - 1, names, sizeof names));
            return -1;
        }
    }
    if (act >= 0) {
        if (n->op != AN_OP_CONV2D && n->op != AN_OP_DENSE) {
            spec_err(l, "'%s' applies to conv2d and dense; use a separate '%s' line", t, t);
            return -1;
        }
        n->act = (an_act)act;
        return 1;
    }
    if (strcmp(t, "same") == 0 || strcmp(t, "padding=same") == 0) {
        n->same = 1;
        return 1;
    }
    if (strcmp(t, "valid") == 0 || strcmp(t, "padding=valid") == 0) {
        n->same = 0;
        return 1;
    }
    if (strncmp(t, "padding=", 8) == 0) {
        spec_err(l, "unknown padding '%s'; valid: valid, same, or pad=T,L,B,R", t + 8);
        return -1;
    }
    if (strncmp(t, "pad=", 4) == 0) {
        if (parse_pads(t + 4, &n->pt, &n->pl, &n->pb, &n->pr)) {
            spec_err(l, "bad padding '%s'; write pad=P, pad=PHxPW or pad=TOP,LEFT,BOTTOM,RIGHT", t);
            return -1;
        }
        n->same = AN_PAD_EXPLICIT;
        return 1;
    }
    if (strncmp(t, "stride=", 7) == 0 || strncmp(t, "strides=", 8) == 0) {
        if (parse_pair(strchr(t, '=') + 1, 64, &n->sh, &n->sw)) {
            spec_err(l, "bad stride '%s'; write e.g. stride=2 or stride=2x2", t);
            return -1;
        }
        return 1;
    }
    if (strncmp(t, "name=", 5) == 0) {
        if (strlen(t + 5) == 0 || strlen(t + 5) >= AN_NODE_NAME_MAX) {
            spec_err(l, "a name must have 1 to %d characters", AN_NODE_NAME_MAX - 1);
            return -1;
        }
        strcpy(n->name, t + 5);
        return 1;
    }
    if (strncmp(t, "from=", 5) == 0) {
        snprintf(from, from_n, "%s", t + 5);
        return 1;
    }
    return 0;
}

/* Positional arguments of each op: what they are, for error messages. */
static const char *const OP_USAGE[AN_OP_COUNT] = {
    [AN_OP_INPUT] = "input HxWxC (or input N for a feature vector)",
    [AN_OP_CONV2D] = "conv2d FILTERS KHxKW [stride=S] [valid|same|pad=T,L,B,R] [groups=G] "
                     "[relu|relu6]",
    [AN_OP_MAXPOOL] = "maxpool2d PHxPW [stride=S] [valid|same|pad=T,L,B,R]",
    [AN_OP_AVGPOOL] = "avgpool2d PHxPW [stride=S] [valid|same|pad=T,L,B,R]",
    [AN_OP_DENSE] = "dense UNITS [relu|relu6]",
    [AN_OP_FLATTEN] = "flatten",
    [AN_OP_DROPOUT] = "dropout RATE (0 <= RATE < 1)",
    [AN_OP_RELU] = "relu",
    [AN_OP_RELU6] = "relu6",
    [AN_OP_BATCHNORM] = "batchnorm [momentum=0.99] [epsilon=0.001]",
    [AN_OP_ADD] = "add NAME (adds layer NAME to the input)",
};

/* The depthwise conv's line (a conv2d whose filters and groups are its
** input's channels). */
static const char DEPTHWISE_USAGE[] =
    "depthwise_conv2d KHxKW [stride=S] [valid|same|pad=T,L,B,R] [relu|relu6]";

/* Parse a layer line into n (inputs resolved against the nodes so far);
** depthwise: the line is a depthwise_conv2d (op is AN_OP_CONV2D). */
static an_status parse_layer(const spec_line *l, an_op op, int depthwise, an_model *m, an_node *n) {
    char from[AN_NODE_NAME_MAX] = "", other[AN_NODE_NAME_MAX] = "";
    *n = (an_node){.op = op,
                   .line = l->line,
                   .groups = 1,
                   .depthwise = depthwise,
                   .sh = 0,
                   .sw = 0,
                   .eps = 1e-3f,
                   .momentum = 0.99f,
                   .w_off = -1,
                   .b_off = -1,
                   .rm_off = -1,
                   .rv_off = -1};
    int npos = 0;
    for (int i = 1; i < l->ntok; i++) {
        const char *t = l->tok[i];
        int r = layer_option(l, t, n, from, sizeof from);
        if (r < 0) return AN_ERR_FORMAT;
        if (r > 0) continue;
        if (op == AN_OP_BATCHNORM && strncmp(t, "momentum=", 9) == 0) {
            if (parse_float(t + 9, &n->momentum) || n->momentum < 0 || n->momentum >= 1)
                return spec_err(l, "momentum must be in [0, 1): '%s'", t + 9);
            continue;
        }
        if (op == AN_OP_BATCHNORM && strncmp(t, "epsilon=", 8) == 0) {
            if (parse_float(t + 8, &n->eps) || n->eps <= 0)
                return spec_err(l, "epsilon must be > 0: '%s'", t + 8);
            continue;
        }
        if (op == AN_OP_CONV2D && !depthwise && strncmp(t, "groups=", 7) == 0) {
            if (parse_int(t + 7, 1, 65536, &n->groups))
                return spec_err(l, "groups must be an integer >= 1: '%s'", t + 7);
            continue;
        }
        if (strchr(t, '='))
            return spec_err(l, "unknown option '%s'; usage: %s", t,
                            depthwise ? DEPTHWISE_USAGE : OP_USAGE[op]);
        int ok = 0;
        switch (op) {
        case AN_OP_CONV2D:
            if (depthwise) { /* KHxKW only: the filters are the input's channels */
                ok = npos == 0 && !parse_pair(t, 64, &n->kh, &n->kw);
                if (ok) npos++;
                break;
            }
            ok = npos == 0   ? !parse_int(t, 1, 65536, &n->units)
                 : npos == 1 ? !parse_pair(t, 64, &n->kh, &n->kw)
                             : 0;
            break;
        case AN_OP_MAXPOOL:
        case AN_OP_AVGPOOL:
            ok = npos == 0 && !parse_pair(t, 64, &n->kh, &n->kw);
            break;
        case AN_OP_DENSE:
            ok = npos == 0 && !parse_int(t, 1, 1 << 24, &n->units);
            break;
        case AN_OP_DROPOUT:
            ok = npos == 0 && !parse_float(t, &n->rate) && n->rate >= 0 && n->rate < 1;
            break;
        case AN_OP_ADD:
            ok = npos == 0 && strlen(t) < sizeof other;
            if (ok) strcpy(other, t);
            break;
        default:
            break;
        }
        if (!ok)
            return spec_err(l, "unexpected '%s'; usage: %s", t,
                            depthwise ? DEPTHWISE_USAGE : OP_USAGE[op]);
        npos++;
    }
    int need = op == AN_OP_CONV2D && !depthwise ? 2
               : (op == AN_OP_MAXPOOL || op == AN_OP_AVGPOOL || op == AN_OP_DENSE ||
                  op == AN_OP_DROPOUT || op == AN_OP_ADD)
                   ? 1
                   : 0;
    if (npos < need)
        return spec_err(l, "missing argument; usage: %s",
                        depthwise ? DEPTHWISE_USAGE : OP_USAGE[op]);
    if (op == AN_OP_CONV2D) {
        if (!n->sh) n->sh = n->sw = 1;
    } else if (op == AN_OP_MAXPOOL || op == AN_OP_AVGPOOL) {
        if (!n->sh) n->sh = n->kh, n->sw = n->kw; /* Keras: stride defaults to the pool size */
    } else if (n->sh)
        return spec_err(l, "stride applies to conv2d and pooling only");
    if (n->same == AN_PAD_EXPLICIT && op != AN_OP_CONV2D && op != AN_OP_MAXPOOL &&
        op != AN_OP_AVGPOOL)
        return spec_err(l, "pad= applies to conv2d and pooling only");

    /* inputs: the previous node unless from= names one */
    int src = m->n_nodes - 1;
    if (from[0]) {
        src = an_model_find(m, from);
        if (src < 0) return spec_err(l, "from=%s: no layer of that name above this line", from);
    }
    n->inputs[0] = src;
    n->n_inputs = 1;
    if (op == AN_OP_ADD) {
        int o = an_model_find(m, other);
        if (o < 0) return spec_err(l, "add %s: no layer of that name above this line", other);
        n->inputs[1] = o;
        n->n_inputs = 2;
    }
    return AN_OK;
}

/* "28x28x1" or "784" -> input node shape. */
static an_status parse_input(const spec_line *l, an_node *n) {
    *n = (an_node){.op = AN_OP_INPUT,
                   .line = l->line,
                   .groups = 1,
                   .w_off = -1,
                   .b_off = -1,
                   .rm_off = -1,
                   .rv_off = -1};
    strcpy(n->name, "input");
    if (l->ntok != 2) return spec_err(l, "usage: %s", OP_USAGE[AN_OP_INPUT]);
    int d[3], k = 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", l->tok[1]);
    for (char *p = strtok(buf, "x"); p; p = strtok(NULL, "x")) {
        if (k == 3 || parse_int(p, 1, 1 << 24, &d[k]))
            return spec_err(l, "bad input shape '%s'; usage: %s", l->tok[1], OP_USAGE[0]);
        k++;
    }
    if (k == 1)
        n->h = 1, n->w = 1, n->c = d[0];
    else if (k == 2)
        n->h = d[0], n->w = d[1], n->c = 1;
    else if (k == 3)
        n->h = d[0], n->w = d[1], n->c = d[2];
    else
        return spec_err(l, "bad input shape '%s'; usage: %s", l->tok[1], OP_USAGE[0]);
    if ((int64_t)n->h * n->w * n->c > (1 << 26)) return spec_err(l, "input shape too large");
    return AN_OK;
}

/* The `compile` line: optimizer, learning rate, loss, metrics, decay. */
static an_status parse_compile(const spec_line *l, an_compile_cfg *c) {
    char names[256];
    for (int i = 1; i < l->ntok; i++) {
        char *t = l->tok[i], *eq = strchr(t, '=');
        if (!eq) return spec_err(l, "compile options are key=value, got '%s'", t);
        *eq = '\0';
        const char *k = t, *v = eq + 1;
        float f;
        int iv;
        if (strcmp(k, "optimizer") == 0) {
            int o = find_name(v, AN_OPTIM_NAME, AN_OPTIM_COUNT);
            if (o < 0)
                return spec_err(l, "unknown optimizer '%s'; valid: %s", v,
                                list_names(AN_OPTIM_NAME, AN_OPTIM_COUNT, names, sizeof names));
            c->optimizer = (an_optim_kind)o;
        } else if (strcmp(k, "loss") == 0) {
            int o = find_name(v, AN_LOSS_NAME, AN_LOSS_COUNT);
            if (o < 0)
                return spec_err(l, "unknown loss '%s'; valid: %s", v,
                                list_names(AN_LOSS_NAME, AN_LOSS_COUNT, names, sizeof names));
            c->loss = (an_loss_kind)o;
        } else if (strcmp(k, "metrics") == 0) {
            if (strcmp(v, "accuracy") != 0 && strcmp(v, "[accuracy]") != 0 && strcmp(v, "acc") != 0)
                return spec_err(l, "unknown metric '%s'; valid: accuracy", v);
            c->metric_accuracy = 1;
        } else if (strcmp(k, "decay") == 0) {
            int o = find_name(v, AN_DECAY_NAME, AN_DECAY_COUNT);
            if (o < 0)
                return spec_err(l, "unknown decay '%s'; valid: %s", v,
                                list_names(AN_DECAY_NAME, AN_DECAY_COUNT, names, sizeof names));
            c->decay = (an_decay_kind)o;
        } else if (strcmp(k, "nesterov") == 0) {
            if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "1") && strcmp(v, "0"))
                return spec_err(l, "nesterov must be true or false, got '%s'", v);
            c->nesterov = !strcmp(v, "true") || !strcmp(v, "1");
        } else if (strcmp(k, "decay_steps") == 0) {
            if (parse_int(v, 1, 1 << 30, &iv)) return spec_err(l, "decay_steps must be >= 1");
            c->decay_steps = iv;
        } else {
            static const char *const FKEYS[] = {"lr",    "learning_rate", "momentum",  "beta1",
                                                "beta2", "epsilon",       "decay_rate"};
            int fk = find_name(k, FKEYS, 7);
            if (fk < 0)
                return spec_err(l,
                                "unknown compile option '%s'; valid: optimizer, lr, loss, "
                                "metrics, momentum, nesterov, beta1, beta2, epsilon, decay, "
                                "decay_steps, decay_rate",
                                k);
            if (parse_float(v, &f) || f < 0) return spec_err(l, "%s must be a number >= 0", k);
            float *dst[] = {&c->lr,    &c->lr,      &c->momentum,  &c->beta1,
                            &c->beta2, &c->epsilon, &c->decay_rate};
            *dst[fk] = f;
        }
    }
    if (c->lr <= 0) return spec_err(l, "the learning rate must be > 0");
    if (c->beta1 >= 1 || c->beta2 >= 1) return spec_err(l, "beta1 and beta2 must be < 1");
    return AN_OK;
}

an_status an_model_parse(const char *text, const char *name, an_model *m) {
    *m = (an_model){0};
    snprintf(m->source, sizeof m->source, "%s", name);
    /* Keras defaults */
    m->cfg = (an_compile_cfg){.optimizer = AN_OPTIM_ADAM,
                              .lr = 0.001f,
                              .beta1 = 0.9f,
                              .beta2 = 0.999f,
                              .epsilon = 1e-7f,
                              .decay_rate = 0.1f,
                              .decay_steps = 1000,
                              .loss = AN_LOSS_SPARSE_CCE,
                              .metric_accuracy = 1};
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    m->spec = malloc(len + 1);
    m->nodes = calloc(MAX_NODES, sizeof(an_node));
    if (!copy || !m->spec || !m->nodes) {
        free(copy);
        an_model_free(m);
        return an_fail(AN_ERR_NOMEM, "%s: out of memory", name);
    }
    memcpy(copy, text, len + 1);
    memcpy(m->spec, text, len + 1);

    an_status s = AN_OK;
    int counts[AN_OP_COUNT] = {0}, compiled = 0;
    spec_line l = {.file = m->source};
    char *save = NULL;
    int lineno = 0;
    for (char *p = copy; p && !s; p = save) {
        char *nl = strchr(p, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl) *nl = '\0';
        l.line = ++lineno;
        if ((s = tokenize(p, &l)) || l.ntok == 0) continue;
        if (compiled) {
            s = spec_err(&l, "nothing may follow the 'compile' line");
            break;
        }
        if (strcmp(l.tok[0], "compile") == 0) {
            s = parse_compile(&l, &m->cfg);
            compiled = 1;
            continue;
        }
        const int depthwise = is_depthwise_word(l.tok[0]);
        int op = depthwise ? AN_OP_CONV2D : op_from_word(l.tok[0]);
        if (op < 0) {
            char names[256];
            s = spec_err(&l, "unknown layer '%s'; valid: %s, depthwise_conv2d, compile", l.tok[0],
                         list_names(AN_OP_NAME, AN_OP_COUNT, names, sizeof names));
            break;
        }
        if ((op == AN_OP_INPUT) != (m->n_nodes == 0)) {
            s = spec_err(&l, m->n_nodes ? "only one 'input' line is allowed"
                                        : "the first layer must be 'input HxWxC'");
            break;
        }
        if (m->n_nodes == MAX_NODES) {
            s = spec_err(&l, "too many layers (at most %d)", MAX_NODES);
            break;
        }
        an_node *n = &m->nodes[m->n_nodes];
        s = op == AN_OP_INPUT ? parse_input(&l, n) : parse_layer(&l, (an_op)op, depthwise, m, n);
        if (s) break;
        if (!n->name[0]) snprintf(n->name, sizeof n->name, "%s_%d", AN_OP_NAME[op], ++counts[op]);
        if (an_model_find(m, n->name) >= 0) {
            s = spec_err(&l, "layer name '%s' is used twice", n->name);
            break;
        }
        m->n_nodes++;
    }
    free(copy);
    if (!s && m->n_nodes < 2)
        s = an_fail(AN_ERR_FORMAT, "%s: a model needs an 'input' line and at least one layer",
                    name);
    if (!s) s = nn_graph_finish(m);
    if (s) an_model_free(m);
    return s;
}

an_status an_model_load_spec(const char *path, an_model *m) {
    char *text = NULL;
    an_status s = nn_read_text(path, &text);
    if (s) return s;
    s = an_model_parse(text, path, m);
    free(text);
    return s;
}
