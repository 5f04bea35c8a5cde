/*
** ort_bench: asicnn against ONNX Runtime (npm onnxruntime-node, CPU) in the
** same run, on one model, float and int8, at each batch size, with the same
** thread count. Each figure is the median of --repeats timed windows of at
** least --seconds each (after a warm-up), with the minimum and maximum; the
** ratio is asicnn's median over ONNX Runtime's. One machine-readable line
** per row:
**
**   ort_bench model=seed_cnn dtype=int8 batch=64 threads=2 asicnn_ips=...
**     asicnn_min=... asicnn_max=... ort_ips=... ort_min=... ort_max=...
**     ratio=... path=...
**
** and one line with ONNX Runtime's fixed cost per call through the Node
** binding (a one-node model): `ort_bench call_us=...`.
**
** Usage: ort_bench NAME MODEL.ckpt MODEL.q8 FLOAT.onnx QDQ.onnx
**                  [--threads 2] [--repeats 5] [--seconds 0.5] [--batches 1,64]
** Inputs are random (speed does not depend on the values). Benchmarks are
** never part of the test suite; figures on a busy machine are noisy.
*/
#include "asicnn/nn.h"
#include "asicnn/quant.h"
#include "asicnn/report.h"
#include "nn/kernels.h" /* nn_set_threads */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPEATS 64

typedef struct args {
    const char *name, *ckpt, *q8, *onnx, *qdq;
    int threads, repeats;
    double seconds;
    int batches[8], n_batches;
} args;

/* One engine call on a batch, for timing. */
typedef void (*run_fn)(void *ctx, int B);

typedef struct q_ctx {
    an_q_engine *e;
    const int8_t *x;
} q_ctx;
static void run_q(void *c, int B) {
    an_q_engine_run(((q_ctx *)c)->e, ((q_ctx *)c)->x, B);
}

typedef struct f_ctx {
    an_f_engine *e;
    const float *x;
} f_ctx;
static void run_f(void *c, int B) {
    an_f_engine_run(((f_ctx *)c)->e, ((f_ctx *)c)->x, B);
}

/* ips [repeats]: images/s over windows of at least `seconds`, after a
** warm-up of a few calls. */
static void time_windows(run_fn f, void *ctx, int B, const args *a, double *ips) {
    for (int i = 0; i < 3; i++) f(ctx, B);
    for (int r = 0; r < a->repeats; r++) {
        long calls = 0;
        const double t0 = an_now();
        double dt;
        do {
            f(ctx, B);
            calls++;
        } while ((dt = an_now() - t0) < a->seconds);
        ips[r] = (double)calls * B / dt;
    }
}

static void print_row(const args *a, const char *dtype, int B, double *mine, double *ort,
                      const char *path) {
    const an_spread m = an_spread_of(mine, a->repeats), o = an_spread_of(ort, a->repeats);
    printf("ort_bench model=%s dtype=%s batch=%d threads=%d asicnn_ips=%.0f asicnn_min=%.0f "
           "asicnn_max=%.0f ort_ips=%.0f ort_min=%.0f ort_max=%.0f ratio=%.2f path=%s\n",
           a->name, dtype, B, a->threads, m.median, m.min, m.max, o.median, o.min, o.max,
           m.median / o.median, path);
    fflush(stdout);
}

static an_status bench(const args *a) {
    an_ort o;
    an_status s = an_ort_open(&o);
    if (s) return s;
    an_model m = {0};
    an_ckpt_extra x = {0};
    an_q_graph g = {0};
    if ((s = an_ckpt_load(a->ckpt, &m, &x, NULL))) return s;
    if ((s = an_q8_load(a->q8, &g))) {
        an_model_free(&m);
        an_norm_free(&x.norm);
        return s;
    }
    nn_set_threads(a->threads);
    const an_node *in = &m.nodes[0];
    const int vec = in->h == 1 && in->w == 1;
    const int64_t F = an_node_size(in);
    int maxB = 1;
    for (int i = 0; i < a->n_batches; i++) maxB = a->batches[i] > maxB ? a->batches[i] : maxB;
    float *xf = malloc((size_t)(maxB * F) * sizeof *xf);
    int8_t *xq = malloc((size_t)(maxB * F));
    double mine[MAX_REPEATS], ort[MAX_REPEATS], call_us = -1;
    if (!xf || !xq) s = an_fail(AN_ERR_NOMEM, "out of memory");
    an_rng r;
    an_rng_seed(&r, 3, 3);
    for (int64_t i = 0; !s && i < maxB * F; i++)
        xf[i] = an_rng_normal(&r), xq[i] = (int8_t)(an_rng_below(&r, 256) - 128);
    printf("ort_bench onnxruntime-node=%s model=%s float_path=%s int8_path=%s\n", o.version,
           a->name, an_f_fast_path(AN_F_IMPL_FAST), an_q_fast_path(AN_Q_IMPL_FAST));
    for (int bi = 0; !s && bi < a->n_batches; bi++) {
        const int B = a->batches[bi];
        const int64_t d4[4] = {B, in->c, in->h, in->w}, d2[2] = {B, in->c};
        /* float */
        an_f_engine *fe = NULL;
        if ((s = an_f_engine_create(&fe, &m, B, AN_F_IMPL_FAST))) break;
        f_ctx fc = {fe, xf};
        time_windows(run_f, &fc, B, a, mine);
        an_f_engine_free(fe);
        if ((s = an_ort_bench(&o, a->onnx, vec ? d2 : d4, vec ? 2 : 4, a->threads, a->repeats,
                              a->seconds, ort, &call_us)))
            break;
        print_row(a, "float", B, mine, ort, an_f_fast_path(AN_F_IMPL_FAST));
        /* int8 */
        an_q_engine *qe = NULL;
        if ((s = an_q_engine_create(&qe, &g, B, AN_Q_IMPL_FAST))) break;
        q_ctx qc = {qe, xq};
        time_windows(run_q, &qc, B, a, mine);
        an_q_engine_free(qe);
        if ((s = an_ort_bench(&o, a->qdq, vec ? d2 : d4, vec ? 2 : 4, a->threads, a->repeats,
                              a->seconds, ort, &call_us)))
            break;
        print_row(a, "int8", B, mine, ort, an_q_fast_path(AN_Q_IMPL_FAST));
    }
    if (!s)
        printf("ort_bench model=%s call_us=%.1f (onnx runtime's fixed cost per call)\n", a->name,
               call_us);
    free(xf);
    free(xq);
    an_q_graph_free(&g);
    an_norm_free(&x.norm);
    an_model_free(&m);
    return s;
}

int main(int argc, char **argv) {
    args a = {.threads = 2, .repeats = 5, .seconds = 0.5, .batches = {1, 64}, .n_batches = 2};
    const char *pos[5];
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--threads") && v)
            a.threads = atoi(argv[++i]);
        else if (!strcmp(k, "--repeats") && v)
            a.repeats = atoi(argv[++i]);
        else if (!strcmp(k, "--seconds") && v)
            a.seconds = atof(argv[++i]);
        else if (!strcmp(k, "--batches") && v) {
            a.n_batches = 0;
            for (char *t = argv[++i], *e; *t && a.n_batches < 8; t = *e ? e + 1 : e) {
                a.batches[a.n_batches++] = (int)strtol(t, &e, 10);
                if (e == t) break;
            }
        } else if (k[0] != '-' && np < 5)
            pos[np++] = k;
        else
            np = 9;
    }
    int ok = np == 5 && a.threads >= 1 && a.repeats >= 1 && a.repeats <= MAX_REPEATS &&
             a.seconds > 0 && a.n_batches > 0;
    for (int i = 0; ok && i < a.n_batches; i++) ok = a.batches[i] >= 1 && a.batches[i] <= 4096;
    if (!ok) {
        fprintf(stderr, "usage: ort_bench NAME MODEL.ckpt MODEL.q8 FLOAT.onnx QDQ.onnx "
                        "[--threads N] [--repeats 1..64] [--seconds S] [--batches 1,64]\n");
        return 1;
    }
    a.name = pos[0], a.ckpt = pos[1], a.q8 = pos[2], a.onnx = pos[3], a.qdq = pos[4];
    an_status s = bench(&a);
    if (s) {
        fprintf(stderr, "ort_bench: %s\n", an_errmsg());
        return 2;
    }
    return 0;
}
