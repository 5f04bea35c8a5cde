/*
** Normalisation. Parameters are fitted on one split (the training data) and
** then applied, unchanged, to every split, so no statistic of the test data
** leaks into training. Modes: none; divide by 255 (images); per-feature
** standardisation (x - mean) / std with the population std, a zero std
** (a constant feature) stored as 1.
*/
#include "data_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void an_norm_free(an_norm *norm) {
    free(norm->mean);
    free(norm->std);
    *norm = (an_norm){0};
}

/* Per-feature mean and std of ds in double precision, two passes. */
static an_status fit_standard(const an_dataset *ds, an_norm *norm) {
    size_t f = (size_t)ds->features;
    double *sum;
    an_status s = an_alloc_array((void **)&sum, f, 2 * sizeof(double), "normalisation");
    if (!s) s = an_alloc_array((void **)&norm->mean, f, sizeof(float), "normalisation");
    if (!s) s = an_alloc_array((void **)&norm->std, f, sizeof(float), "normalisation");
    if (s) {
        free(sum);
        return s;
    }
    double *sq = sum + f;
    memset(sum, 0, 2 * f * sizeof(double));
    for (int64_t i = 0; i < ds->n; i++)
        for (size_t j = 0; j < f; j++) sum[j] += ds->x[(size_t)i * f + j];
    for (size_t j = 0; j < f; j++) sum[j] /= (double)ds->n;
    for (int64_t i = 0; i < ds->n; i++)
        for (size_t j = 0; j < f; j++) {
            double d = ds->x[(size_t)i * f + j] - sum[j];
            sq[j] += d * d;
        }
    for (size_t j = 0; j < f; j++) {
        double sd = sqrt(sq[j] / (double)ds->n);
        norm->mean[j] = (float)sum[j];
        norm->std[j] = sd > 1e-12 ? (float)sd : 1.0f;
    }
    free(sum);
    return AN_OK;
}

an_status an_norm_fit(const an_dataset *ds, an_norm_mode mode, an_norm *norm) {
    *norm = (an_norm){.mode = mode, .features = ds->features};
    if (mode < AN_NORM_NONE || mode > AN_NORM_STANDARD)
        return an_fail(AN_ERR_USAGE, "unknown normalisation mode %d", (int)mode);
    if (mode != AN_NORM_STANDARD) return AN_OK;
    if (ds->n < 1)
        return an_fail(AN_ERR_RANGE, "%s: cannot fit a normalisation on no samples", ds->name);
    an_status s = fit_standard(ds, norm);
    if (s) an_norm_free(norm);
    return s;
}

an_status an_norm_apply(const an_norm *norm, an_dataset *ds) {
    size_t f = (size_t)ds->features, total = (size_t)ds->n * f;
    switch (norm->mode) {
    case AN_NORM_NONE:
        return AN_OK;
    case AN_NORM_SCALE255:
        for (size_t i = 0; i < total; i++) ds->x[i] /= 255.0f;
        return AN_OK;
    case AN_NORM_STANDARD:
        if (norm->features != ds->features || !norm->mean || !norm->std)
            return an_fail(AN_ERR_FORMAT,
                           "%s: normalisation was fitted on %lld features, the data has %lld",
                           ds->name, (long long)norm->features, (long long)ds->features);
        for (size_t i = 0; i < total; i += f)
            for (size_t j = 0; j < f; j++)
                ds->x[i + j] = (ds->x[i + j] - norm->mean[j]) / norm->std[j];
        return AN_OK;
    default:
        return an_fail(AN_ERR_USAGE, "unknown normalisation mode %d", (int)norm->mode);
    }
}
