/*
** The comparison: one int8 model on every target (asicnn/report.h), and
** the table as text, CSV or JSON. Targets whose results are bit-exact with
** the reference engine by construction (the chip, the GPU model) carry the
** int8 accuracy measured by the fast path. The hardware targets are a
** table walked in order, each taking its figures from the backends of the
** runtime that give them (asicnn/runtime.h); a backend's reason for not
** running one goes into the table's note.
*/
#include "asicnn/report.h"

#include <cjson/cJSON.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

an_cmp_opts an_cmp_defaults(void) {
    an_cmp_opts o = {.chip = "npu16",
                     .fpga_chip = NULL,
                     .synth_dir = "out",
                     .batch = 64,
                     .latency_images = 200,
                     .cpu_watts = 35.0};
    return o;
}

/* What the hardware targets' rows are made from. */
typedef struct hw_ctx {
    const an_q_graph *g;
    const an_dataset *test;
    const an_cmp_opts *o;
    const an_cmp *c;
} hw_ctx;

/* A target's rows (*n of them) into r; why receives the reason when no
** backend measures it and a model stands in. */
typedef an_status (*hw_rows)(const hw_ctx *h, an_cmp_row *r, int *n, char *why, size_t why_n);

static an_status asic_rows(const hw_ctx *h, an_cmp_row *r, int *n, char *why, size_t why_n) {
    return an_cmp_asic(h->g, &h->c->asic, h->o, r, n);
}

static an_status fpga_rows(const hw_ctx *h, an_cmp_row *r, int *n, char *why, size_t why_n) {
    *n = 1;
    return an_cmp_fpga(h->g, &h->c->fpga, h->o, r);
}

static an_status gpu_rows(const hw_ctx *h, an_cmp_row *r, int *n, char *why, size_t why_n) {
    *n = 1;
    return an_cmp_gpu(h->g, &h->c->asic, h->test, h->o, r, why, why_n);
}

/* The targets that run on the backends of the runtime, in the table's
** order: each takes its figures from the first backend that gives them and
** supports its program (the chip's: a whole profile; the GPU's: device
** time, else its roofline model, the backends' reasons in the note). */
static const struct hw_target {
    const char *what;
    hw_rows rows;
} HW[] = {{"ASIC", asic_rows}, {"FPGA", fpga_rows}, {"GPU", gpu_rows}};

/* text as a line of its own at the end of the note. */
static void add_note(an_cmp *c, const char *text) {
    const size_t n = strlen(c->note);
    snprintf(c->note + n, sizeof c->note - n, "%s%s", n ? "\n" : "", text);
}

an_status an_compare(const an_q_graph *g, const an_dataset *test, const an_cmp_opts *oin,
                     an_cmp *c) {
    memset(c, 0, sizeof *c);
    /* every CPU row on the same threads */
    an_cmp_opts ot = *oin;
    const an_cmp_opts *o = &ot;
    if (ot.threads > 0) omp_set_num_threads(ot.threads);
    ot.threads = omp_get_max_threads();
    snprintf(c->model, sizeof c->model, "%s", g->source);
    c->images = test->n;
    an_status s = AN_OK;
    if (o->asic_cfg)
        c->asic = *o->asic_cfg;
    else
        s = an_npu_config_get(o->chip, &c->asic);
    if (!s) s = an_cmp_fpga_config(o->fpga_chip, &c->fpga);
    if (!s && o->ckpt) s = an_cmp_cpu_float(o->ckpt, test, o, &c->rows[c->n++]);
    if (s) return s;
    an_cmp_row *q = &c->rows[c->n++];
    if ((s = an_cmp_cpu_int8(g, test, o, q))) return s;
    int no = 0;
    if (o->no_ort)
        snprintf(c->note, sizeof c->note, "ONNX Runtime rows left out (--no-ort)");
    else if ((s = an_cmp_cpu_ort(g, test, o, &c->rows[c->n], &no, c->note, sizeof c->note)))
        return s;
    c->n += no;
    /* the hardware targets (the ASIC: one or two rows, docs/compare.md) */
    const hw_ctx hc = {g, test, o, c};
    const int h = c->n;
    for (size_t t = 0; !s && t < sizeof HW / sizeof HW[0]; t++) {
        char why[400] = "";
        int n = 0;
        s = HW[t].rows(&hc, &c->rows[c->n], &n, why, sizeof why);
        c->n += s ? 0 : n;
        if (!s && why[0]) {
            char line[460];
            snprintf(line, sizeof line, "%s row modelled: %s", HW[t].what, why);
            add_note(c, line);
        }
    }
    for (int i = h; i < c->n; i++) {
        an_cmp_row *r = &c->rows[i];
        r->accuracy = q->accuracy;
        const size_t n = strlen(r->source);
        if (!r->measured)
            snprintf(r->source + n, sizeof r->source - n,
                     "; accuracy = int8 reference (bit-exact by construction)");
    }
    return s;
}

static const char *label(const an_cmp_row *r) {
    return r->measured ? "measured" : "modelled";
}

static void write_text(const an_cmp *c, FILE *f) {
    fprintf(f, "%s on %lld test images; throughput at batch %d\n", c->model, (long long)c->images,
            c->n ? c->rows[0].batch : 0);
    fprintf(f, "%-22s %-9s %11s %12s %12s %8s %9s %8s  %s\n", "target", "kind", "latency us",
            "images/s", "energy uJ", "acc %", "area mm2", "MHz", "notes");
    for (int i = 0; i < c->n; i++) {
        const an_cmp_row *r = &c->rows[i];
        char area[16] = "-", mhz[16] = "-";
        if (r->area_mm2 > 0) snprintf(area, sizeof area, "%.3f", r->area_mm2);
        if (r->clock_mhz > 0) snprintf(mhz, sizeof mhz, "%.0f", r->clock_mhz);
        fprintf(f, "%-22s %-9s %11.2f %12.0f %12.3f %8.2f %9s %8s  %s\n", r->target, label(r),
                r->latency_us, r->throughput, r->energy_uj, r->accuracy, area, mhz, r->extra);
    }
    if (c->note[0]) fprintf(f, "\n%s\n", c->note);
    fprintf(f, "\nsources:\n");
    for (int i = 0; i < c->n; i++)
        fprintf(f, "  %s [%s]: %s\n", c->rows[i].target, label(&c->rows[i]), c->rows[i].source);
}

/* A CSV field, quoted. */
static void qf(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void write_csv(const an_cmp *c, FILE *f) {
    fprintf(f, "target,kind,latency_us,batch,throughput_ips,energy_uj,accuracy_pct,area_mm2,"
               "clock_mhz,notes,source\n");
    for (int i = 0; i < c->n; i++) {
        const an_cmp_row *r = &c->rows[i];
        fprintf(f, "%s,%s,%.4f,%d,%.2f,%.6f,%.2f,%.4f,%.1f,", r->target, label(r), r->latency_us,
                r->batch, r->throughput, r->energy_uj, r->accuracy, r->area_mm2, r->clock_mhz);
        qf(f, r->extra);
        fputc(',', f);
        qf(f, r->source);
        fputc('\n', f);
    }
}

static an_status write_json(const an_cmp *c, FILE *f) {
    cJSON *root = cJSON_CreateObject(), *rows = cJSON_AddArrayToObject(root, "rows");
    cJSON_AddStringToObject(root, "model", c->model);
    cJSON_AddNumberToObject(root, "images", (double)c->images);
    if (c->note[0]) cJSON_AddStringToObject(root, "note", c->note);
    for (int i = 0; i < c->n; i++) {
        const an_cmp_row *r = &c->rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "target", r->target);
        cJSON_AddStringToObject(o, "kind", label(r));
        cJSON_AddNumberToObject(o, "latency_us", r->latency_us);
        cJSON_AddNumberToObject(o, "batch", r->batch);
        cJSON_AddNumberToObject(o, "throughput_ips", r->throughput);
        cJSON_AddNumberToObject(o, "energy_uj", r->energy_uj);
        cJSON_AddNumberToObject(o, "accuracy_pct", r->accuracy);
        if (r->area_mm2 > 0) cJSON_AddNumberToObject(o, "area_mm2", r->area_mm2);
        if (r->clock_mhz > 0) cJSON_AddNumberToObject(o, "clock_mhz", r->clock_mhz);
        cJSON_AddStringToObject(o, "notes", r->extra);
        cJSON_AddStringToObject(o, "source", r->source);
        cJSON_AddItemToArray(rows, o);
    }
    char *txt = cJSON_Print(root);
    cJSON_Delete(root);
    if (!txt) return an_fail(AN_ERR_NOMEM, "comparison JSON");
    fprintf(f, "%s\n", txt);
    free(txt);
    return AN_OK;
}

an_status an_cmp_write(const an_cmp *c, FILE *f, int format) {
    if (format == AN_FMT_JSON) return write_json(c, f);
    if (format == AN_FMT_CSV)
        write_csv(c, f);
    else
        write_text(c, f);
    return ferror(f) ? an_fail(AN_ERR_IO, "cannot write the comparison") : AN_OK;
}
