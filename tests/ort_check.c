/*
** ort_check: an exported ONNX file run in ONNX Runtime against asicnn on the
** same inputs (tests/cli_ort.sh runs it on every model the project exports).
**
**   ort_check MODEL.ckpt MODEL.onnx [DATA] [--n N]
**       float: asicnn's forward pass vs ONNX Runtime; every logit within
**       1e-5 relative (|a - b| <= 1e-5 * max |a| of the sample's logits).
**   ort_check MODEL.q8 MODEL.onnx [DATA] [--n N] [--lsb L]
**       int8 (QDQ export): the reference engine's int8 logits vs ONNX
**       Runtime's dequantized ones mapped back to int8 (round(y / scale) +
**       zero point); counted equal / off by 1 LSB / worse; fails when a
**       logit is more than --lsb L (default 1) LSB away.
**
** Inputs: the first N (default 64) test samples of DATA, or, without DATA,
** N random ones (raw values in [-2, 2]; int8 values in [-128, 127]). The
** float export carries the checkpoint's normalisation: ONNX Runtime gets
** the raw values, asicnn's engine the normalised ones. The QDQ export takes
** the int8 input's float scale: ONNX Runtime gets the int8 values the
** graph's input mapping made, dequantized.
** Exit 0 when every output agrees, 1 on a mismatch, 2 on an error, 77 when
** ONNX Runtime is not installed (ctest's skip code).
*/
#include "asicnn/data.h"
#include "asicnn/nn.h"
#include "asicnn/quant.h"
#include "asicnn/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SKIP 77

/* NHWC [n][h][w][c] -> NCHW. */
static void to_nchw(const float *x, int64_t n, int h, int w, int c, float *y) {
    for (int64_t i = 0; i < n; i++)
        for (int p = 0; p < h * w; p++)
            for (int k = 0; k < c; k++) y[((i * c + k) * h * w) + p] = x[(i * h * w + p) * c + k];
}

/* Float: asicnn on x [n, features] (normalised NHWC) vs ONNX Runtime on
** raw, the same samples before normalisation (the export carries the
** checkpoint's normalisation). */
static int check_float(const an_ort *o, const char *ckpt, const char *onnx, an_model *m,
                       const float *x, const float *raw, int64_t n) {
    const an_node *in = &m->nodes[0], *out = &m->nodes[m->n_nodes - 1];
    const int64_t F = an_node_size(in), K = an_node_size(out);
    const int vec = in->h == 1 && in->w == 1;
    an_exec *e = NULL;
    float *xc = malloc((size_t)(n * F) * sizeof *xc), *y = malloc((size_t)(n * K) * sizeof *y);
    an_status s = xc && y ? an_exec_create(&e, m, (int)n, 0) : AN_ERR_NOMEM;
    int bad = 0;
    double worst = 0;
    if (!s) {
        to_nchw(raw, n, in->h, in->w, in->c, xc);
        const int64_t d4[4] = {n, in->c, in->h, in->w}, d2[2] = {n, in->c};
        s = an_ort_run(o, onnx, xc, vec ? d2 : d4, vec ? 2 : 4, 1, y, n * K);
    }
    if (!s) {
        const float *a = an_exec_forward(e, x, (int)n, 0, 0);
        for (int64_t i = 0; i < n; i++) {
            double big = 0;
            for (int64_t k = 0; k < K; k++) big = fmax(big, fabs(a[i * K + k]));
            for (int64_t k = 0; k < K; k++) {
                const double r = fabs(a[i * K + k] - y[i * K + k]) / (big > 0 ? big : 1);
                if (r > worst) worst = r;
                if (!(r <= 1e-5)) bad++;
            }
        }
        printf("ort_check %s float: %lld samples, %lld logits, largest relative difference %.3g, "
               "%d beyond 1e-5 (onnxruntime-node %s)\n",
               ckpt, (long long)n, (long long)(n * K), worst, bad, o->version);
    }
    an_exec_free(e);
    free(xc);
    free(y);
    if (s) fprintf(stderr, "ort_check: %s\n", an_errmsg());
    return s ? 2 : bad ? 1 : 0;
}

/* Int8: the reference engine vs ONNX Runtime on q [n, features] (HWC). */
static int check_int8(const an_ort *o, const char *q8, const char *onnx, const an_q_graph *g,
                      const int8_t *q, int64_t n, int lsb) {
    const an_tensor ti = an_q_tensor_info(g, 0), to = an_q_tensor_info(g, g->n_layers);
    const int64_t F = an_q_tensor_size(g, 0), K = an_q_tensor_size(g, g->n_layers);
    const int vec = ti.h == 1 && ti.w == 1;
    an_q_engine *e = NULL;
    float *x = malloc((size_t)(n * F) * sizeof *x), *xc = malloc((size_t)(n * F) * sizeof *xc);
    float *y = malloc((size_t)(n * K) * sizeof *y);
    an_status s = x && xc && y ? an_q_engine_create(&e, g, (int)n, AN_Q_IMPL_REF) : AN_ERR_NOMEM;
    int64_t same = 0, one = 0, worse = 0;
    double dmax = 0;
    if (!s) {
        for (int64_t i = 0; i < n * F; i++) x[i] = ti.scale * (float)(q[i] - ti.zero_point);
        to_nchw(x, n, ti.h, ti.w, ti.c, xc);
        const int64_t d4[4] = {n, ti.c, ti.h, ti.w}, d2[2] = {n, ti.c};
        s = an_ort_run(o, onnx, xc, vec ? d2 : d4, vec ? 2 : 4, 1, y, n * K);
    }
    if (!s) {
        const int8_t *a = an_q_engine_run(e, q, (int)n);
        for (int64_t i = 0; i < n * K; i++) {
            const double v = rint(y[i] / to.scale) + to.zero_point;
            const double d = fabs(v - a[i]);
            same += d == 0, one += d == 1, worse += !(d <= 1);
            if (d > dmax) dmax = d;
        }
        printf("ort_check %s int8: %lld samples, %lld logits: %lld equal, %lld off by 1 LSB, "
               "%lld worse (at most %.0f LSB; onnxruntime-node %s)\n",
               q8, (long long)n, (long long)(n * K), (long long)same, (long long)one,
               (long long)worse, dmax, o->version);
    }
    an_q_engine_free(e);
    free(x);
    free(xc);
    free(y);
    if (s) fprintf(stderr, "ort_check: %s\n", an_errmsg());
    return s ? 2 : dmax > lsb ? 1 : 0;
}

/* Deterministic uniform values in [lo, hi]. */
static void random_fill(float *x, int64_t n, float lo, float hi) {
    an_rng r;
    an_rng_seed(&r, 7, 1);
    for (int64_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * an_rng_uniform(&r);
}

/* Samples for the model: the first n of DATA's test split, or random. */
static an_status inputs(const char *data, int64_t *n, int h, int w, int c, an_dataset *ds) {
    if (data) {
        an_status s = an_data_load(data, AN_SPLIT_TEST, ds);
        if (s) return s;
        if (ds->features != (int64_t)h * w * c)
            return an_fail(AN_ERR_FORMAT, "%s: samples are %dx%dx%d, the model takes %dx%dx%d",
                           data, ds->h, ds->w, ds->c, h, w, c);
        if (ds->n < *n) *n = ds->n;
        return AN_OK;
    }
    return an_dataset_alloc(ds, *n, h, w, c);
}

int main(int argc, char **argv) {
    const char *pos[3] = {0};
    int np = 0;
    int64_t n = 64;
    int lsb = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc)
            n = atoll(argv[++i]);
        else if (!strcmp(argv[i], "--lsb") && i + 1 < argc)
            lsb = atoi(argv[++i]);
        else if (np < 3 && argv[i][0] != '-')
            pos[np++] = argv[i];
        else
            np = 9;
    }
    if (np < 2 || np > 3 || n < 1 || n > 4096 || lsb < 0) {
        fprintf(stderr, "usage: ort_check MODEL.ckpt|MODEL.q8 MODEL.onnx [DATA] [--n 1..4096] "
                        "[--lsb L]\n");
        return 2;
    }
    an_ort o;
    if (an_ort_open(&o)) {
        printf("ort_check: skipped, ONNX Runtime unavailable: %s\n", an_errmsg());
        return SKIP;
    }
    an_dataset ds = {0};
    int rc = 2;
    if (an_q8_is_file(pos[0])) {
        an_q_graph g;
        if (an_q8_load(pos[0], &g)) {
            fprintf(stderr, "ort_check: %s\n", an_errmsg());
            return 2;
        }
        const an_tensor ti = an_q_tensor_info(&g, 0);
        int8_t *q = NULL;
        if (!inputs(pos[2], &n, ti.h, ti.w, ti.c, &ds) &&
            !an_alloc_array((void **)&q, (size_t)n, (size_t)ds.features, "int8 inputs")) {
            if (pos[2]) {
                an_q_quantize_input(&g, ds.x, n, q);
            } else {
                random_fill(ds.x, n * ds.features, -128.0f, 127.99f);
                for (int64_t i = 0; i < n * ds.features; i++) q[i] = (int8_t)floorf(ds.x[i]);
            }
            rc = check_int8(&o, pos[0], pos[1], &g, q, n, lsb);
        } else {
            fprintf(stderr, "ort_check: %s\n", an_errmsg());
        }
        free(q);
        an_q_graph_free(&g);
    } else {
        an_model m;
        an_ckpt_extra x;
        if (an_ckpt_load(pos[0], &m, &x, NULL)) {
            fprintf(stderr, "ort_check: %s\n", an_errmsg());
            return 2;
        }
        const an_node *in = &m.nodes[0];
        an_dataset raw = {0};
        an_status s = inputs(pos[2], &n, in->h, in->w, in->c, &ds);
        if (!s && !pos[2]) random_fill(ds.x, n * ds.features, -2.0f, 2.0f);
        if (!s) s = an_data_slice(&ds, 0, n, &raw);
        if (!s) s = an_norm_apply(&x.norm, &ds);
        if (!s)
            rc = check_float(&o, pos[0], pos[1], &m, ds.x, raw.x, n);
        else
            fprintf(stderr, "ort_check: %s\n", an_errmsg());
        an_dataset_free(&raw);
        an_norm_free(&x.norm);
        an_model_free(&m);
    }
    an_dataset_free(&ds);
    return rc;
}
