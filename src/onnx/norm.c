/*
** The input normalisation and the data options inside an ONNX file, so that
** an exported model takes the data set's raw values as asicnn's does and a
** re-import restores both.
**
** Export: "255" is one node Div(input, 255); "std" is Sub(input, mean) then
** Div(., std), mean and std as initializers of shape [1, F] (vector input)
** or [1, C, H, W] (image input, ONNX's CHW order). The nodes are named
** "asicnn_norm/sub" and "asicnn_norm/div"; metadata_props record the mode
** (asicnn.input_norm) and the CSV options (asicnn.data_options).
** Import reads them back (HWC order), and the float importer maps the nodes
** as identity; a file without the metadata has no normalisation inside.
** The float ops are the ones an_norm_apply performs, so outputs agree bit
** for bit. An int8 export takes normalised input; its raw-value input map
** (in_mul, in_add as exact hex floats) is kept in metadata asicnn.input_map
** so that its import maps raw values exactly as the .q8 did.
*/
#include "onnx_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* HWC <-> CHW: dst[c][y][x] = src[y][x][c] (to_chw) or the reverse. */
static void reorder(const float *src, float *dst, int h, int w, int c, int to_chw) {
    for (int y = 0; y < h; y++)
        for (int xx = 0; xx < w; xx++)
            for (int k = 0; k < c; k++) {
                const size_t hwc = ((size_t)y * w + xx) * c + k, chw = ((size_t)k * h + y) * w + xx;
                if (to_chw)
                    dst[chw] = src[hwc];
                else
                    dst[hwc] = src[chw];
            }
}

const char *ox_export_norm(ox_builder *b, const an_norm *norm, const an_node *in, int vec) {
    if (!norm || norm->mode == AN_NORM_NONE) return "input";
    const char *v = "input";
    if (norm->mode == AN_NORM_SCALE255) {
        const float k = 255.0f;
        const char *c = ox_build_init_f32(b, OX_NORM_PREFIX "255", &k, NULL, 0);
        const char *out = ox_build_name(b, OX_NORM_PREFIX "scaled");
        ox_build_node(b, "Div", OX_NORM_PREFIX "div", (const char *const[]){v, c, NULL},
                      (const char *const[]){out, NULL});
        ox_build_meta(b, OX_META_NORM, "255");
        return out;
    }
    const int64_t f = norm->features;
    float *buf = malloc(sizeof(float) * (size_t)(2 * f));
    if (!buf) {
        b->s = an_fail(AN_ERR_NOMEM, "out of memory (export normalisation)");
        return v;
    }
    const int64_t d2[2] = {1, f}, d4[4] = {1, in->c, in->h, in->w};
    if (vec) {
        memcpy(buf, norm->mean, sizeof(float) * (size_t)f);
        memcpy(buf + f, norm->std, sizeof(float) * (size_t)f);
    } else {
        reorder(norm->mean, buf, in->h, in->w, in->c, 1);
        reorder(norm->std, buf + f, in->h, in->w, in->c, 1);
    }
    const char *mean = ox_build_init_f32(b, OX_NORM_PREFIX "mean", buf, vec ? d2 : d4, vec ? 2 : 4);
    const char *sd =
        ox_build_init_f32(b, OX_NORM_PREFIX "std", buf + f, vec ? d2 : d4, vec ? 2 : 4);
    free(buf);
    const char *centred = ox_build_name(b, OX_NORM_PREFIX "centred");
    const char *out = ox_build_name(b, OX_NORM_PREFIX "scaled");
    ox_build_node(b, "Sub", OX_NORM_PREFIX "sub", (const char *const[]){v, mean, NULL},
                  (const char *const[]){centred, NULL});
    ox_build_node(b, "Div", OX_NORM_PREFIX "div", (const char *const[]){centred, sd, NULL},
                  (const char *const[]){out, NULL});
    ox_build_meta(b, OX_META_NORM, "std");
    return out;
}

int ox_is_norm_node(const Onnx__NodeProto *n) {
    return n->name && strncmp(n->name, OX_NORM_PREFIX, strlen(OX_NORM_PREFIX)) == 0;
}

/* The metadata value of key, or NULL. */
static const char *meta(const ox_ctx *x, const char *key) {
    for (size_t i = 0; i < x->mp->n_metadata_props; i++) {
        const Onnx__StringStringEntryProto *e = x->mp->metadata_props[i];
        if (e && e->key && e->value && strcmp(e->key, key) == 0) return e->value;
    }
    return NULL;
}

/* The constant second input of the norm node called name, as floats. */
static const float *norm_const(ox_ctx *x, const char *name, int64_t want, int64_t *got) {
    for (size_t k = 0; k < x->g->n_node; k++) {
        const Onnx__NodeProto *n = x->g->node[k];
        if (!n->name || strcmp(n->name, name) != 0 || n->n_input != 2) continue;
        const ox_val *c = ox_find(x, n->input[1]);
        float *f;
        if (!c || !c->t || ox_tensor_f32(x, c->t, &f, got) || (want >= 0 && *got != want))
            return NULL;
        return f;
    }
    return NULL;
}

int ox_import_norm(ox_ctx *x, an_norm *norm, char *data_opts) {
    *norm = (an_norm){0};
    const char *d = meta(x, OX_META_DATA);
    data_opts[0] = '\0';
    if (d && strlen(d) < AN_CSV_OPTS_MAX) snprintf(data_opts, AN_CSV_OPTS_MAX, "%s", d);
    const char *mode = meta(x, OX_META_NORM);
    if (!mode) return 0;
    int64_t dims[4], n = 0;
    int nd = 0;
    x->node = NULL;
    if (strcmp(mode, "255") == 0) {
        const float *k = norm_const(x, OX_NORM_PREFIX "div", 1, &n);
        if (!k || *k != 255.0f) {
            ox_problem(x, "metadata %s=255 without its Div(input, 255) node", OX_META_NORM);
            return 0;
        }
        norm->mode = AN_NORM_SCALE255;
        return 1;
    }
    ox_val *in = strcmp(mode, "std") == 0 ? ox_graph_input(x, dims, &nd) : NULL;
    if (!in) {
        ox_problem(x, "metadata %s='%.16s' is not 255 or std (or the input is unusable)",
                   OX_META_NORM, mode);
        return 0;
    }
    const int h = nd == 4 ? (int)dims[2] : 1, w = nd == 4 ? (int)dims[3] : 1, c = (int)dims[1];
    const int64_t f = (int64_t)h * w * c;
    const float *mean = norm_const(x, OX_NORM_PREFIX "sub", f, &n);
    const float *sd = norm_const(x, OX_NORM_PREFIX "div", f, &n);
    if (!mean || !sd) {
        ox_problem(x, "metadata %s=std without Sub/Div nodes of %lld values", OX_META_NORM,
                   (long long)f);
        return 0;
    }
    norm->mean = malloc(sizeof(float) * (size_t)f);
    norm->std = malloc(sizeof(float) * (size_t)f);
    if (!norm->mean || !norm->std) {
        an_norm_free(norm);
        *norm = (an_norm){0};
        ox_problem(x, "out of memory");
        return 0;
    }
    reorder(mean, norm->mean, h, w, c, 0);
    reorder(sd, norm->std, h, w, c, 0);
    norm->mode = AN_NORM_STANDARD, norm->features = f;
    return 1;
}

void ox_export_input_map(ox_builder *b, const an_q_input *in) {
    const size_t cap = (size_t)in->n_affine * 2 * 24 + 32;
    char *text = malloc(cap);
    if (!text) {
        b->s = an_fail(AN_ERR_NOMEM, "out of memory (export input map)");
        return;
    }
    size_t k = (size_t)snprintf(text, cap, "%lld", (long long)in->n_affine);
    for (int64_t i = 0; i < in->n_affine && k < cap; i++)
        k += (size_t)snprintf(text + k, cap - k, " %a %a", (double)in->in_mul[i],
                              (double)in->in_add[i]);
    ox_build_meta(b, OX_META_MAP, text);
    free(text);
}

int ox_import_input_map(ox_ctx *x, an_q_input *in) {
    const char *t = meta(x, OX_META_MAP);
    if (!t) return 0;
    char *end;
    long long n = strtoll(t, &end, 10);
    const int64_t f = (int64_t)in->h * in->w * in->c;
    float *mul = NULL, *add = NULL;
    if (end == t || (n != 1 && n != f) || !(mul = malloc(sizeof(float) * (size_t)n)) ||
        !(add = malloc(sizeof(float) * (size_t)n))) {
        free(mul);
        ox_problem(x, "metadata %s: a count of 1 or %lld values, then pairs", OX_META_MAP,
                   (long long)f);
        return 0;
    }
    for (long long i = 0; i < n && mul; i++) {
        const char *p = end;
        mul[i] = strtof(p, &end);
        p = end;
        add[i] = strtof(p, &end);
        if (end == p || !isfinite(mul[i]) || !isfinite(add[i])) free(mul), free(add), mul = NULL;
    }
    if (!mul || *end) {
        free(mul), free(add);
        ox_problem(x, "metadata %s: bad value", OX_META_MAP);
        return 0;
    }
    free(in->in_mul), free(in->in_add);
    in->in_mul = mul, in->in_add = add, in->n_affine = n;
    return 1;
}
