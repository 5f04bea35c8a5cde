/*
** The seed CNN against PyTorch: initialisation, logits, loss and every
** parameter gradient compared with tests/fixtures/seed_cnn_torch.bin, which
** scripts/torch_seed_fixture.py wrote from a float64 PyTorch model (see that
** script's header for the file layout; regenerate it by hand, never here).
**
** Contract
** - The model is models/seed_cnn.model with every dropout rate set to 0:
**   an_exec_loss_backward runs a training forward, and the fixture is
**   deterministic only without dropout (PyTorch ran it in eval mode).
** - an_model_init_params(m, fixture seed) must reproduce the fixture's weight
**   samples and weight L2 norms (to 1e-6 relative: both sides compute the
**   same float32 values).
** - Logits, loss and gradients must match to 1e-4 relative per tensor:
**   max|a - b| <= 1e-4 * max|b| over the stored elements (every element of
**   the small tensors, a fixed subsample of the big ones), and the L2 norm of
**   each whole gradient within 1e-4 relative.
** - ASICNN_TORCH_FIXTURE overrides the fixture path (to check that a
**   perturbed fixture fails).
*/
#include "asicnn/nn.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE_PATH ASICNN_TEST_DIR "/fixtures/seed_cnn_torch.bin"
#define SPEC_PATH    ASICNN_TEST_DIR "/../models/seed_cnn.model"
#define TOL_WEIGHTS  1e-6
#define TOL          1e-4
#define MAX_TENSORS  16

/* One parameter tensor's record (pointers into the fixture buffer). */
typedef struct fx_tensor {
    char name[17];
    uint32_t numel, step, n_wsamples;
    const uint8_t *widx; /* u32 [n_wsamples] */
    const uint8_t *w;    /* f32 [n_wsamples] */
    double w_l2, g_l2;   /* norms of the whole tensors */
    const uint8_t *g;    /* f64 [ceil(numel / step)] */
    uint32_t n_g;
} fx_tensor;

typedef struct fixture {
    char *buf;
    uint64_t seed;
    uint32_t B, H, W, C, N, n_tensors;
    float *x;       /* [B*H*W*C] */
    int32_t *y;     /* [B] */
    double *logits; /* [B*N] */
    double loss;
    fx_tensor t[MAX_TENSORS];
} fixture;

/* Bounds-checked little-endian reader over the fixture bytes. */
typedef struct reader {
    const uint8_t *p;
    size_t n, at;
} reader;

static const uint8_t *take(reader *r, size_t n) {
    cr_assert(n <= r->n - r->at, "fixture truncated at byte %zu (need %zu more)", r->at, n);
    const uint8_t *p = r->p + r->at;
    r->at += n;
    return p;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) {
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t get_u32(reader *r) {
    return le32(take(r, 4));
}

static float f32_at(const uint8_t *p, size_t i) {
    uint32_t u = le32(p + 4 * i);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static double f64_at(const uint8_t *p, size_t i) {
    uint64_t u = le64(p + 8 * i);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static double get_f64(reader *r) {
    return f64_at(take(r, 8), 0);
}

/* Read and check the whole fixture (layout: scripts/torch_seed_fixture.py). */
static void fixture_load(fixture *f) {
    const char *path = getenv("ASICNN_TORCH_FIXTURE");
    if (!path || !*path) path = FIXTURE_PATH;
    size_t n;
    *f = (fixture){0};
    cr_assert_eq(an_read_file(path, 1 << 20, &f->buf, &n), AN_OK, "%s", an_errmsg());
    reader r = {(const uint8_t *)f->buf, n, 0};
    cr_assert(memcmp(take(&r, 8), "ANTORCH1", 8) == 0, "%s: bad magic", path);
    cr_assert_eq(get_u32(&r), 1, "%s: unknown version", path);
    f->seed = le64(take(&r, 8));
    f->B = get_u32(&r), f->H = get_u32(&r), f->W = get_u32(&r), f->C = get_u32(&r);
    f->N = get_u32(&r), f->n_tensors = get_u32(&r);
    cr_assert(f->B >= 1 && f->B <= 64 && f->N >= 1 && f->N <= 1000, "%s: bad header", path);
    cr_assert((uint64_t)f->H * f->W * f->C <= 4096 && f->n_tensors <= MAX_TENSORS, "%s: bad header",
              path);
    size_t nx = (size_t)f->B * f->H * f->W * f->C, nl = (size_t)f->B * f->N;
    f->x = malloc(nx * sizeof *f->x);
    f->y = malloc(f->B * sizeof *f->y);
    f->logits = malloc(nl * sizeof *f->logits);
    cr_assert(f->x && f->y && f->logits);
    const uint8_t *p = take(&r, nx * 4);
    for (size_t i = 0; i < nx; i++) f->x[i] = f32_at(p, i);
    p = take(&r, (size_t)f->B * 4);
    for (uint32_t i = 0; i < f->B; i++) f->y[i] = (int32_t)le32(p + 4 * i);
    p = take(&r, nl * 8);
    for (size_t i = 0; i < nl; i++) f->logits[i] = f64_at(p, i);
    f->loss = get_f64(&r);
    for (uint32_t k = 0; k < f->n_tensors; k++) {
        fx_tensor *t = &f->t[k];
        memcpy(t->name, take(&r, 16), 16);
        t->name[16] = 0;
        t->numel = get_u32(&r), t->step = get_u32(&r), t->n_wsamples = get_u32(&r);
        cr_assert(t->step >= 1 && t->n_wsamples <= 64, "%s: %s: bad record", path, t->name);
        t->widx = take(&r, (size_t)t->n_wsamples * 4);
        t->w = take(&r, (size_t)t->n_wsamples * 4);
        t->w_l2 = get_f64(&r);
        t->g_l2 = get_f64(&r);
        t->n_g = (t->numel + t->step - 1) / t->step;
        t->g = take(&r, (size_t)t->n_g * 8);
    }
    cr_assert(memcmp(take(&r, 4), "END!", 4) == 0, "%s: bad end marker", path);
    cr_assert_eq(r.at, n, "%s: %zu trailing bytes", path, n - r.at);
}

static void fixture_free(fixture *f) {
    free(f->buf);
    free(f->x);
    free(f->y);
    free(f->logits);
}

/* models/seed_cnn.model with each `dropout RATE` line turned into `dropout 0`. */
static void load_seed_cnn_without_dropout(an_model *m) {
    char *text;
    size_t n;
    cr_assert_eq(an_read_file(SPEC_PATH, 1 << 20, &text, &n), AN_OK, "%s", an_errmsg());
    char *out = malloc(n + 16), *o = out; /* a line may grow to "dropout 0\n" */
    cr_assert_not_null(out);
    int dropouts = 0;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        const char *s = line + strspn(line, " \t");
        if (strncmp(s, "dropout", 7) == 0 && (s[7] == ' ' || s[7] == '\t')) {
            o += sprintf(o, "dropout 0\n");
            dropouts++;
        } else {
            memcpy(o, line, len);
            o += len;
        }
        line += len;
    }
    *o = 0;
    cr_assert_eq(dropouts, 1, "seed_cnn.model should have one dropout line");
    cr_assert_eq(an_model_parse(out, "seed_cnn.model", m), AN_OK, "%s", an_errmsg());
    free(out);
    free(text);
}

/* Offset in m->params of the fixture tensor "NODE.w" / "NODE.b". */
static int64_t param_offset(const an_model *m, const fx_tensor *t) {
    char node[17];
    snprintf(node, sizeof node, "%s", t->name);
    char *dot = strrchr(node, '.');
    cr_assert(dot && (dot[1] == 'w' || dot[1] == 'b') && !dot[2], "bad tensor name %s", t->name);
    *dot = 0;
    int i = an_model_find(m, node);
    cr_assert_geq(i, 0, "fixture tensor %s: no node %s in the model", t->name, node);
    const an_node *nd = &m->nodes[i];
    int64_t off = dot[1] == 'w' ? nd->w_off : nd->b_off;
    int64_t cnt = dot[1] == 'w' ? nd->n_w : nd->n_b;
    cr_assert(off >= 0 && cnt == t->numel, "%s: model has %lld elements, fixture %u", t->name,
              (long long)cnt, t->numel);
    return off;
}

static double l2(const float *v, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)v[i] * v[i];
    return sqrt(s);
}

/* Assert max|got - want| <= tol * max|want| over n values, naming the
** tensor and the worst element (index[i] is element i's place in the
** tensor; NULL: i itself). */
static void expect_close(const char *what, const float *got, const double *want, size_t n,
                         const size_t *index, double tol) {
    double scale = 0, worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(want[i]) > scale) scale = fabs(want[i]);
        double d = fabs((double)got[i] - want[i]);
        if (d > worst) worst = d, at = i;
    }
    cr_assert(worst <= tol * scale,
              "%s: element %zu is %.9g, PyTorch says %.9g (max |diff| %.3g > %.1g * %.3g)", what,
              index ? index[at] : at, n ? (double)got[at] : 0.0, n ? want[at] : 0.0, worst, tol,
              scale);
}

static void expect_rel(const char *what, double got, double want, double tol) {
    cr_assert(fabs(got - want) <= tol * fabs(want), "%s: %.9g, PyTorch says %.9g (rel tol %.1g)",
              what, got, want, tol);
}

/* The model initialised with the fixture's seed, and the fixture. */
static void setup(fixture *f, an_model *m) {
    fixture_load(f);
    load_seed_cnn_without_dropout(m);
    const an_node *in = &m->nodes[0], *out = &m->nodes[m->output];
    cr_assert(in->h == (int)f->H && in->w == (int)f->W && in->c == (int)f->C,
              "input shape differs from the fixture's");
    cr_assert_eq(out->c, (int)f->N);
    int64_t total = 0;
    for (uint32_t k = 0; k < f->n_tensors; k++) total += f->t[k].numel;
    cr_assert_eq(total, m->n_trainable, "fixture covers %lld of %lld parameters", (long long)total,
                 (long long)m->n_trainable);
    an_model_init_params(m, f->seed);
}

TestSuite(torch_seed_cnn, .fini = leakcheck);

Test(torch_seed_cnn, init_matches_pytorch_weights) {
    fixture f;
    an_model m;
    setup(&f, &m);
    for (uint32_t k = 0; k < f.n_tensors; k++) {
        const fx_tensor *t = &f.t[k];
        const float *w = m.params + param_offset(&m, t);
        float got[64];
        double want[64];
        size_t idx[64];
        for (uint32_t j = 0; j < t->n_wsamples; j++) {
            idx[j] = le32(t->widx + 4 * j);
            cr_assert_lt(idx[j], t->numel);
            got[j] = w[idx[j]];
            want[j] = f32_at(t->w, j);
        }
        char what[64];
        snprintf(what, sizeof what, "%s initial weights", t->name);
        expect_close(what, got, want, t->n_wsamples, idx, TOL_WEIGHTS);
        double norm = l2(w, t->numel);
        snprintf(what, sizeof what, "%s initial weights L2", t->name);
        if (t->w_l2 == 0)
            cr_assert_eq(norm, 0.0, "%s: %g, PyTorch says 0", what, norm);
        else
            expect_rel(what, norm, t->w_l2, TOL_WEIGHTS);
    }
    an_model_free(&m);
    fixture_free(&f);
}

Test(torch_seed_cnn, logits_loss_and_gradients_match_pytorch) {
    fixture f;
    an_model m;
    setup(&f, &m);
    an_exec *e;
    cr_assert_eq(an_exec_create(&e, &m, (int)f.B, 1), AN_OK, "%s", an_errmsg());

    /* logits: an inference forward (no dropout either way) */
    size_t nl = (size_t)f.B * f.N;
    float *logits = malloc(nl * sizeof *logits);
    cr_assert_not_null(logits);
    memcpy(logits, an_exec_forward(e, f.x, (int)f.B, 0, 0), nl * sizeof *logits);
    expect_close("logits", logits, f.logits, nl, NULL, TOL);

    float loss = an_exec_loss_backward(e, f.x, f.y, (int)f.B);
    expect_rel("loss", loss, f.loss, TOL);

    const float *grads = an_exec_param_grads(e);
    for (uint32_t k = 0; k < f.n_tensors; k++) {
        const fx_tensor *t = &f.t[k];
        const float *g = grads + param_offset(&m, t);
        float *got = malloc(t->n_g * sizeof *got);
        double *want = malloc(t->n_g * sizeof *want);
        size_t *idx = malloc(t->n_g * sizeof *idx);
        cr_assert(got && want && idx);
        for (uint32_t j = 0; j < t->n_g; j++) {
            idx[j] = (size_t)j * t->step;
            got[j] = g[idx[j]];
            want[j] = f64_at(t->g, j);
        }
        char what[64];
        snprintf(what, sizeof what, "%s gradient", t->name);
        expect_close(what, got, want, t->n_g, idx, TOL);
        snprintf(what, sizeof what, "%s gradient L2", t->name);
        expect_rel(what, l2(g, t->numel), t->g_l2, TOL);
        free(got);
        free(want);
        free(idx);
    }
    free(logits);
    an_exec_free(e);
    an_model_free(&m);
    fixture_free(&f);
}
