/*
** asicnn data info and asicnn data show: describe data sets and draw one
** sample. Everything printed here comes from library calls; errors are one
** line from the library, turned into an exit code by cli_error().
*/
#include "cmd_data.h"

#include <stdlib.h>
#include <string.h>

#define INFO_MAX_CLASSES 20 /* histogram entries printed before "..." */

/* "8000 images of 28x28x1" or "150 samples of 4 features". */
static void print_shape(const an_dataset *ds) {
    if (ds->h == 1 && ds->c == 1)
        printf("%lld sample%s of %lld feature%s", (long long)ds->n, cli_s(ds->n),
               (long long)ds->features, cli_s(ds->features));
    else
        printf("%lld image%s of %dx%dx%d", (long long)ds->n, cli_s(ds->n), ds->h, ds->w, ds->c);
}

/* The block `info` prints for one data set; label is "train: " or "". */
static int print_dataset(const an_dataset *ds, const char *label) {
    printf("  %s", label);
    print_shape(ds);
    if (ds->y)
        printf(", %d class%s\n", ds->num_classes, ds->num_classes == 1 ? "" : "es");
    else
        printf(", no labels\n");
    int64_t *counts = NULL;
    an_status s = an_data_class_counts(ds, &counts);
    if (s) return cli_error(s);
    if (ds->y) {
        printf("    per class:");
        for (int k = 0; k < ds->num_classes && k < INFO_MAX_CLASSES; k++)
            printf(" %d:%lld", k, (long long)counts[k]);
        printf("%s\n", ds->num_classes > INFO_MAX_CLASSES ? " ..." : "");
    }
    free(counts);
    float lo, hi;
    double mean;
    an_data_range(ds, &lo, &hi, &mean);
    printf("    values: %g .. %g, mean %.4g\n", (double)lo, (double)hi, mean);
    return 0;
}

/* Both splits of an IDX directory; a missing test split is reported, not
** an error. */
static int info_idx_dir(const char *path, const data_opts *o) {
    static const char *const LABEL[2] = {"train: ", "test: "};
    for (int sp = 0; sp < 2; sp++) {
        data_opts one = *o;
        one.split = (an_split)sp;
        char im[4096], lb[4096];
        if (an_data_idx_paths(path, one.split, im, lb, sizeof im)) {
            printf("  %s(none)\n", LABEL[sp]);
            continue;
        }
        an_dataset ds;
        an_status s = data_load(path, &one, &ds, NULL);
        if (s) return cli_error(s);
        int rc = print_dataset(&ds, LABEL[sp]);
        an_dataset_free(&ds);
        if (rc) return rc;
    }
    return 0;
}

/* A lone idx1 file: its labels only (classes when they look like labels). */
static int info_labels(const an_idx *l) {
    printf("  %lld labels", (long long)l->count);
    if (l->count && l->vmin >= 0 && l->vmax <= 9999) printf(", %d classes", (int)l->vmax + 1);
    printf(", values %g .. %g\n", l->vmin, l->vmax);
    return 0;
}

/* One path: detect its form, then print its block(s). */
static int info_path(const char *path, const data_opts *o) {
    an_data_form form;
    an_status s = an_data_detect(path, &form);
    if (!s && cli_file_kind(path) != CLI_KIND_OTHER) s = data_load(path, o, NULL, NULL);
    if (s) return cli_error(s);
    printf("%s (%s)\n", path, AN_DATA_FORM_NAME[form]);
    if (form == AN_FORM_IDX_DIR) return info_idx_dir(path, o);
    if (form == AN_FORM_IDX) {
        an_idx idx;
        if ((s = an_idx_read(path, &idx))) return cli_error(s);
        int rc = idx.ndim == 1 ? info_labels(&idx) : -1;
        an_idx_free(&idx);
        if (rc >= 0) return rc;
    }
    an_dataset ds;
    an_clean_report r;
    if ((s = data_load(path, o, &ds, &r))) return cli_error(s);
    int rc = print_dataset(&ds, "");
    if (!rc && form == AN_FORM_CSV) {
        char why[512];
        an_clean_report_text(&r, why, sizeof why);
        printf("    rows: %lld read, %lld kept%s%s\n", (long long)r.rows_read,
               (long long)r.rows_kept, why[0] ? "; dropped " : "", why);
    }
    an_dataset_free(&ds);
    return rc;
}

int cmd_data_info(const data_opts *o) {
    if (o->npos < 1) return cli_usage(o->sub, "needs at least one FILE or DIR");
    for (int i = 0; i < o->npos; i++) {
        int rc = info_path(o->pos[i], o);
        if (rc) return rc;
    }
    return 0;
}

/* Draw sample i as rows of characters by intensity, two per pixel. */
static void draw_image(const an_dataset *ds, int64_t i) {
    static const char RAMP[] = " .:-=+*#%@";
    const float *x = ds->x + (size_t)i * (size_t)ds->features;
    float lo = x[0], hi = x[0];
    for (int64_t j = 1; j < ds->features; j++) {
        lo = x[j] < lo ? x[j] : lo;
        hi = x[j] > hi ? x[j] : hi;
    }
    if (lo >= 0 && hi <= 255 && hi > 1) lo = 0, hi = 255; /* raw pixels: absolute scale */
    for (int r = 0; r < ds->h; r++) {
        for (int col = 0; col < ds->w; col++) {
            float v = 0;
            for (int ch = 0; ch < ds->c; ch++) v += x[((size_t)r * ds->w + col) * ds->c + ch];
            v /= (float)ds->c;
            float t = hi > lo ? (v - lo) / (hi - lo) : 0;
            int k = (int)(t * 9.999f);
            k = k < 0 ? 0 : k > 9 ? 9 : k;
            putchar(RAMP[k]);
            putchar(RAMP[k]);
        }
        putchar('\n');
    }
}

int cmd_data_show(const data_opts *o) {
    int64_t idx;
    if (o->npos != 2) return cli_usage(o->sub, "needs FILE|DIR and INDEX");
    if (cli_parse_i64(o->pos[1], &idx) || idx < 0)
        return cli_usage(o->sub, "INDEX must be a whole number >= 0, not '%s'", o->pos[1]);
    an_dataset ds;
    an_status s = data_load(o->pos[0], o, &ds, NULL);
    if (s) return cli_error(s);
    if (idx >= ds.n) {
        s = an_fail(AN_ERR_RANGE, "%s: index %lld out of range: it holds %lld samples (0..%lld)",
                    o->pos[0], (long long)idx, (long long)ds.n, (long long)ds.n - 1);
        an_dataset_free(&ds);
        return cli_error(s);
    }
    printf("%s #%lld: ", o->pos[0], (long long)idx);
    if (ds.y)
        printf("label %d", ds.y[idx]);
    else
        printf("no label");
    printf(" (%dx%dx%d)\n", ds.h, ds.w, ds.c);
    if (ds.h == 1 && ds.c == 1) {
        const float *x = ds.x + (size_t)idx * (size_t)ds.features;
        for (int64_t j = 0; j < ds.features; j++) printf("%s%g", j ? " " : "", (double)x[j]);
        putchar('\n');
    } else {
        draw_image(&ds, idx);
    }
    an_dataset_free(&ds);
    return 0;
}
