/*
** The ONNX Runtime rows of the comparison, measured on this machine through
** the Node driver (ort.c): the int8 graph's QDQ export and, given the
** checkpoint, its float export (which takes the raw values: the
** checkpoint's normalisation is in the file), each in a temporary file. Latency is
** 1 / the median batch-1 rate (including the binding's fixed cost per call,
** which the notes give), throughput the median rate at the comparison's
** batch, both over AN_CMP_REPEATS windows with their spread in the notes;
** accuracy is ONNX Runtime's own argmax on the test images (the int8 model
** fed exactly the int8 inputs asicnn quantized, dequantized). Energy is the
** same package-power estimate as the other CPU rows.
*/
#include "asicnn/onnx.h"
#include "asicnn/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* At most this many test images go through ONNX Runtime for accuracy. */
#define ORT_ACC_IMAGES 2000

static int argmax(const float *v, int n) {
    int b = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return b;
}

/* NHWC x [n][h*w*c] -> NCHW y. */
static void nchw(const float *x, int64_t n, int h, int w, int c, float *y) {
    for (int64_t i = 0; i < n; i++)
        for (int p = 0; p < h * w; p++)
            for (int k = 0; k < c; k++) y[(i * c + k) * h * w + p] = x[(i * h * w + p) * c + k];
}

/* Timing and accuracy of one ONNX file on inputs x [n][h, w, c] (NHWC,
** the model's input values) with labels y; fills r. */
static an_status measure(const an_ort *o, const char *onnx, const float *x, const int32_t *y,
                         int64_t n, int h, int w, int c, int classes, const an_cmp_opts *op,
                         an_cmp_row *r, const char *what) {
    const int vec = h == 1 && w == 1;
    double lat[AN_CMP_REPEATS], thr[AN_CMP_REPEATS], call_us = 0;
    int64_t d[4] = {1, c, h, w};
    an_status s = an_ort_bench(o, onnx, vec ? (int64_t[]){1, c} : d, vec ? 2 : 4, op->threads,
                               AN_CMP_REPEATS, 0.2, lat, &call_us);
    d[0] = op->batch;
    if (!s)
        s = an_ort_bench(o, onnx, vec ? (int64_t[]){op->batch, c} : d, vec ? 2 : 4, op->threads,
                         AN_CMP_REPEATS, 0.3, thr, &call_us);
    float *xc = NULL, *out = NULL;
    const int64_t F = (int64_t)h * w * c;
    if (!s) s = an_alloc_array((void **)&xc, (size_t)n, (size_t)F * sizeof(float), "inputs");
    if (!s) s = an_alloc_array((void **)&out, (size_t)n, (size_t)classes * sizeof(float), "logits");
    if (!s) {
        nchw(x, n, h, w, c, xc);
        d[0] = n;
        s = an_ort_run(o, onnx, xc, vec ? (int64_t[]){n, c} : d, vec ? 2 : 4, op->threads, out,
                       n * classes);
    }
    if (!s) {
        int64_t ok = 0;
        for (int64_t i = 0; i < n; i++) ok += argmax(out + i * classes, classes) == y[i];
        r->accuracy = 100.0 * (double)ok / (double)n;
        an_spread sl = an_spread_of(lat, AN_CMP_REPEATS), st = an_spread_of(thr, AN_CMP_REPEATS);
        r->latency_us = 1e6 / sl.median;
        r->throughput = st.median;
        r->batch = op->batch;
        r->measured = 1;
        r->energy_uj = op->cpu_watts * r->latency_us;
        r->area_mm2 = r->clock_mhz = -1;
        snprintf(r->extra, sizeof r->extra, "%s; %d runs %.0f..%.0f img/s; %.0f us/call fixed",
                 what, AN_CMP_REPEATS, st.min, st.max, call_us);
        snprintf(r->source, sizeof r->source,
                 "ONNX Runtime %s (npm onnxruntime-node, CPU execution provider, %d intra-op "
                 "threads) on asicnn's %s export, driven from Node; wall time measured on this "
                 "machine, median of %d windows at batch 1 (latency = 1 / rate, including the "
                 "binding's %.0f us fixed cost per call) and at batch %d; accuracy: its argmax "
                 "on %lld test images; energy = %.0f W package power (estimate, not measured) x "
                 "latency",
                 o->version, op->threads, what, AN_CMP_REPEATS, call_us, op->batch, (long long)n,
                 op->cpu_watts);
    }
    free(xc);
    free(out);
    return s;
}

/* A temporary .onnx path (the file exists, empty). */
static an_status temp_onnx(char *path, size_t n) {
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/asicnn-cmp-onnx-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return an_fail(AN_ERR_IO, "cannot create %s", path);
    close(fd);
    return AN_OK;
}

an_status an_cmp_cpu_ort(const an_q_graph *g, const an_dataset *test, const an_cmp_opts *o,
                         an_cmp_row *rows, int *n_rows, char *why, size_t why_n) {
    *n_rows = 0;
    an_ort ort;
    if (an_ort_open(&ort)) {
        snprintf(why, why_n, "ONNX Runtime rows left out: %s", an_errmsg());
        return AN_OK;
    }
    const an_tensor ti = an_q_tensor_info(g, 0), to = an_q_tensor_info(g, g->n_layers);
    const int64_t F = an_q_tensor_size(g, 0),
                  n = test->n < ORT_ACC_IMAGES ? test->n : ORT_ACC_IMAGES;
    char path[512];
    int8_t *q = NULL;
    float *x = NULL;
    an_status s = temp_onnx(path, sizeof path);
    if (s) return s;
    if (!(s = an_onnx_export_q8(path, g)) &&
        !(s = an_alloc_array((void **)&q, (size_t)n, (size_t)F, "int8 inputs")) &&
        !(s = an_alloc_array((void **)&x, (size_t)n, (size_t)F * sizeof(float), "inputs"))) {
        an_q_quantize_input(g, test->x, n, q);
        for (int64_t i = 0; i < n * F; i++) x[i] = ti.scale * (float)(q[i] - ti.zero_point);
        an_cmp_row *r = &rows[*n_rows];
        memset(r, 0, sizeof *r);
        snprintf(r->target, sizeof r->target, "ONNX Runtime int8");
        if (!(s = measure(&ort, path, x, test->y, n, ti.h, ti.w, ti.c, to.c, o, r, "QDQ int8")))
            (*n_rows)++;
    }
    unlink(path);
    free(q);
    free(x);
    if (s || !o->ckpt) return s;
    /* float: the checkpoint's export, which carries its normalisation, on the
    ** raw test images */
    an_model m = {0};
    an_ckpt_extra xt = {0};
    if (!(s = temp_onnx(path, sizeof path))) {
        if (!(s = an_ckpt_load(o->ckpt, &m, &xt, NULL)) &&
            !(s = an_onnx_export_model(path, &m, &xt.norm, NULL))) {
            an_cmp_row *r = &rows[*n_rows];
            memset(r, 0, sizeof *r);
            snprintf(r->target, sizeof r->target, "ONNX Runtime float");
            const an_node *in = &m.nodes[0];
            if (!(s = measure(&ort, path, test->x, test->y, n, in->h, in->w, in->c,
                              (int)an_node_size(&m.nodes[m.n_nodes - 1]), o, r, "float32")))
                (*n_rows)++;
        }
        unlink(path);
    }
    an_norm_free(&xt.norm);
    an_model_free(&m);
    return s;
}
