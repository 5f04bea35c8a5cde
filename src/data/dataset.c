/*
** The data set container: allocation, seeded shuffle, split, slice and the
** statistics `asicnn data info` prints. Every size product is checked for
** overflow; x and y always move together.
*/
#include "data_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void an_dataset_free(an_dataset *ds) {
    free(ds->x);
    free(ds->y);
    *ds = (an_dataset){0};
}

an_status an_dataset_alloc(an_dataset *ds, int64_t n, int h, int w, int c) {
    *ds = (an_dataset){0};
    size_t f, total;
    if (n < 0 || h < 1 || w < 1 || c < 1)
        return an_fail(AN_ERR_RANGE, "data set: bad size %lld x %dx%dx%d", (long long)n, h, w, c);
    if (!an_mul_size((size_t)h, (size_t)w, &f) || !an_mul_size(f, (size_t)c, &f) || f > INT32_MAX ||
        !an_mul_size(f, (size_t)n, &total))
        return an_fail(AN_ERR_NOMEM, "data set: %lld samples of %dx%dx%d is too large",
                       (long long)n, h, w, c);
    an_status s = an_alloc_array((void **)&ds->x, total, sizeof(float), "data set values");
    if (!s) s = an_alloc_array((void **)&ds->y, (size_t)n, sizeof(int32_t), "data set labels");
    if (s) {
        an_dataset_free(ds);
        return s;
    }
    memset(ds->x, 0, total * sizeof(float));
    memset(ds->y, 0, (size_t)n * sizeof(int32_t));
    ds->n = n;
    ds->h = h;
    ds->w = w;
    ds->c = c;
    ds->features = (int64_t)f;
    return AN_OK;
}

void an_data_set_name(an_dataset *ds, const char *path, const char *suffix) {
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    size_t start = n;
    while (start > 0 && path[start - 1] != '/') start--;
    snprintf(ds->name, sizeof ds->name, "%.*s%s%s", (int)(n - start), path + start,
             suffix ? "/" : "", suffix ? suffix : "");
}

int an_data_count_classes(const an_dataset *ds) {
    int32_t top = -1;
    for (int64_t i = 0; ds->y && i < ds->n; i++) top = ds->y[i] > top ? ds->y[i] : top;
    return ds->y ? (int)top + 1 : 0;
}

/* Apply the permutation perm (new sample i = old sample perm[i]) in place,
** cycle by cycle, with one spare row; perm is destroyed. */
static an_status permute(an_dataset *ds, int64_t *perm) {
    size_t f = (size_t)ds->features;
    float *tmp;
    an_status s = an_alloc_array((void **)&tmp, f, sizeof(float), "shuffle row");
    if (s) return s;
    for (int64_t start = 0; start < ds->n; start++) {
        if (perm[start] < 0) continue;
        memcpy(tmp, ds->x + (size_t)start * f, f * sizeof(float));
        int32_t ty = ds->y ? ds->y[start] : 0;
        int64_t j = start;
        while (perm[j] != start) {
            int64_t k = perm[j];
            memcpy(ds->x + (size_t)j * f, ds->x + (size_t)k * f, f * sizeof(float));
            if (ds->y) ds->y[j] = ds->y[k];
            perm[j] = -1;
            j = k;
        }
        memcpy(ds->x + (size_t)j * f, tmp, f * sizeof(float));
        if (ds->y) ds->y[j] = ty;
        perm[j] = -1;
    }
    free(tmp);
    return AN_OK;
}

an_status an_data_shuffle(an_dataset *ds, uint64_t seed) {
    if (ds->n < 2) return AN_OK;
    int64_t *perm;
    an_status s = an_alloc_array((void **)&perm, (size_t)ds->n, sizeof *perm, "shuffle index");
    if (s) return s;
    for (int64_t i = 0; i < ds->n; i++) perm[i] = i;
    an_rng r;
    an_rng_seed(&r, seed, 0x5eed); /* a stream of its own, apart from training's */
    an_rng_shuffle(&r, perm, ds->n);
    s = permute(ds, perm);
    free(perm);
    return s;
}

an_status an_data_slice(const an_dataset *ds, int64_t start, int64_t count, an_dataset *out) {
    *out = (an_dataset){0};
    if (start < 0 || count < 0 || start > ds->n || count > ds->n - start)
        return an_fail(AN_ERR_RANGE, "%s: samples [%lld, %lld) outside [0, %lld)", ds->name,
                       (long long)start, (long long)(start + count), (long long)ds->n);
    an_status s = an_dataset_alloc(out, count, ds->h, ds->w, ds->c);
    if (s) return s;
    size_t f = (size_t)ds->features;
    memcpy(out->x, ds->x + (size_t)start * f, (size_t)count * f * sizeof(float));
    if (ds->y) {
        memcpy(out->y, ds->y + start, (size_t)count * sizeof(int32_t));
    } else {
        free(out->y);
        out->y = NULL;
    }
    out->num_classes = ds->num_classes;
    memcpy(out->name, ds->name, sizeof out->name);
    return AN_OK;
}

an_status an_data_split(const an_dataset *ds, int64_t n_first, an_dataset *first,
                        an_dataset *second) {
    *first = *second = (an_dataset){0};
    if (n_first < 0 || n_first > ds->n)
        return an_fail(AN_ERR_RANGE, "%s: cannot split %lld samples after %lld", ds->name,
                       (long long)ds->n, (long long)n_first);
    an_status s = an_data_slice(ds, 0, n_first, first);
    if (!s) s = an_data_slice(ds, n_first, ds->n - n_first, second);
    if (s) an_dataset_free(first);
    return s;
}

void an_data_range(const an_dataset *ds, float *vmin, float *vmax, double *mean) {
    size_t total = (size_t)ds->n * (size_t)ds->features;
    float lo = INFINITY, hi = -INFINITY;
    double sum = 0;
    for (size_t i = 0; i < total; i++) {
        float v = ds->x[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
    }
    *vmin = total ? lo : 0;
    *vmax = total ? hi : 0;
    *mean = total ? sum / (double)total : 0;
}

an_status an_data_class_counts(const an_dataset *ds, int64_t **counts) {
    int k = ds->num_classes > 0 ? ds->num_classes : 0;
    an_status s = an_alloc_array((void **)counts, (size_t)k, sizeof(int64_t), "class counts");
    if (s) return s;
    memset(*counts, 0, (size_t)k * sizeof(int64_t));
    for (int64_t i = 0; ds->y && i < ds->n; i++)
        if (ds->y[i] >= 0 && ds->y[i] < k) (*counts)[ds->y[i]]++;
    return AN_OK;
}
