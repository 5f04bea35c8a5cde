/*
** ONNX node attributes: typed lookup (a value of the wrong type is a
** recorded problem, not a crash), the list of attributes a mapper knows,
** and the spatial attributes shared by Conv, MaxPool and AveragePool
** (kernel_shape, strides, pads, auto_pad, dilations) resolved into
** asicnn's padding: valid, Keras same, or explicit pad=T,L,B,R.
*/
#include "onnx_internal.h"

#include <string.h>

const Onnx__AttributeProto *ox_attr(const Onnx__NodeProto *n, const char *name) {
    for (size_t i = 0; i < n->n_attribute; i++) {
        const Onnx__AttributeProto *a = n->attribute[i];
        if (a && a->name && strcmp(a->name, name) == 0) return a;
    }
    return NULL;
}

/* The attribute when present with the expected type; a problem otherwise. */
static const Onnx__AttributeProto *typed(ox_ctx *x, const char *name, int type) {
    const Onnx__AttributeProto *a = ox_attr(x->node, name);
    if (!a) return NULL;
    if (a->ref_attr_name && a->ref_attr_name[0]) {
        ox_problem(x, "attribute %s refers to a function attribute", name);
        return NULL;
    }
    if (!a->has_type || (int)a->type != type) {
        ox_problem(x, "attribute %s has type %d, expected %d", name, a->has_type ? (int)a->type : 0,
                   type);
        return NULL;
    }
    return a;
}

int64_t ox_attr_int(ox_ctx *x, const char *name, int64_t def) {
    const Onnx__AttributeProto *a = typed(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    return a ? a->i : def;
}

float ox_attr_float(ox_ctx *x, const char *name, float def) {
    const Onnx__AttributeProto *a = typed(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    return a ? a->f : def;
}

int ox_attr_ints(ox_ctx *x, const char *name, const int64_t **v) {
    const Onnx__AttributeProto *a = typed(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    *v = a ? a->ints : NULL;
    return a ? (int)a->n_ints : 0;
}

int ox_attr_str_is(ox_ctx *x, const char *name, const char *s, int def) {
    const Onnx__AttributeProto *a = typed(x, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    if (!a) return def;
    return a->s.len == strlen(s) && (a->s.len == 0 || memcmp(a->s.data, s, a->s.len) == 0);
}

void ox_check_attrs(ox_ctx *x, const char *const *known) {
    for (size_t i = 0; i < x->node->n_attribute; i++) {
        const Onnx__AttributeProto *a = x->node->attribute[i];
        const char *nm = a && a->name ? a->name : "";
        int ok = 0;
        for (const char *const *k = known; *k && !ok; k++) ok = strcmp(*k, nm) == 0;
        if (!ok) ox_problem(x, "attribute '%.60s' is not supported", nm);
    }
}

/* Two values in 1..max from an ints attribute (absent: def). */
static int pair(ox_ctx *x, const char *name, int def, int lo, int max, int *a, int *b) {
    const int64_t *v;
    int n = ox_attr_ints(x, name, &v);
    if (!n) {
        *a = *b = def;
        return 0;
    }
    if (n != 2 || v[0] < lo || v[0] > max || v[1] < lo || v[1] > max) {
        ox_problem(x, "%s must be 2 values in %d..%d (2-D only)", name, lo, max);
        return -1;
    }
    *a = (int)v[0], *b = (int)v[1];
    return 0;
}

/* Keras same along one axis: leading pad and total. */
static void keras_same(int in, int k, int s, int *before, int *total) {
    const int out = (in + s - 1) / s;
    int t = (out - 1) * s + k - in;
    if (t < 0) t = 0;
    *before = t / 2, *total = t;
}

int ox_window_attrs(ox_ctx *x, int h, int w, int kernel_known, ox_window *win) {
    int bad = 0, kh, kw;
    const int64_t *v;
    if (!ox_attr_ints(x, "kernel_shape", &v) && !kernel_known) {
        ox_problem(x, "kernel_shape is required");
        return -1;
    }
    bad |= pair(x, "kernel_shape", kernel_known ? win->kh : 1, 1, 64, &kh, &kw);
    if (!bad && kernel_known && (kh != win->kh || kw != win->kw)) {
        ox_problem(x, "kernel_shape %dx%d differs from the weights' %dx%d", kh, kw, win->kh,
                   win->kw);
        bad = 1;
    }
    win->kh = kh, win->kw = kw;
    bad |= pair(x, "strides", 1, 1, 64, &win->sh, &win->sw);
    int dh, dw;
    if (!pair(x, "dilations", 1, 1, 64, &dh, &dw) && (dh != 1 || dw != 1)) {
        ox_problem(x, "dilations=%d,%d (asicnn supports 1 only)", dh, dw);
        bad = 1;
    }
    int pads[4] = {0, 0, 0, 0};
    int n = ox_attr_ints(x, "pads", &v);
    if (n && n != 4) {
        ox_problem(x, "pads has %d values (2-D needs 4)", n);
        bad = 1;
    }
    for (int i = 0; i < 4 && n == 4; i++) {
        if (v[i] < 0 || v[i] > 63) {
            ox_problem(x, "pads value %lld is out of range 0..63", (long long)v[i]);
            bad = 1;
            break;
        }
        pads[i] = (int)v[i];
    }
    if (bad) return -1;
    const int upper = ox_attr_str_is(x, "auto_pad", "SAME_UPPER", 0);
    const int lower = ox_attr_str_is(x, "auto_pad", "SAME_LOWER", 0);
    const int valid = ox_attr_str_is(x, "auto_pad", "VALID", 0);
    const int notset = ox_attr_str_is(x, "auto_pad", "NOTSET", 1);
    if (!upper && !lower && !valid && !notset) {
        ox_problem(x, "auto_pad value is not supported (NOTSET, SAME_UPPER, SAME_LOWER, VALID)");
        return -1;
    }
    int bh, th, bw, tw;
    keras_same(h, win->kh, win->sh, &bh, &th);
    keras_same(w, win->kw, win->sw, &bw, &tw);
    if (valid) memset(pads, 0, sizeof pads);
    if (upper) pads[0] = bh, pads[2] = th - bh, pads[1] = bw, pads[3] = tw - bw;
    if (lower) pads[0] = th - bh, pads[2] = bh, pads[1] = tw - bw, pads[3] = bw;
    win->pt = pads[0], win->pl = pads[1], win->pb = pads[2], win->pr = pads[3];
    if (win->pt >= win->kh || win->pb >= win->kh || win->pl >= win->kw || win->pr >= win->kw) {
        ox_problem(x, "pads %d,%d,%d,%d are not smaller than the %dx%d window", win->pt, win->pl,
                   win->pb, win->pr, win->kh, win->kw);
        return -1;
    }
    const int ph = h + win->pt + win->pb, pw = w + win->pl + win->pr;
    if (ph < win->kh || pw < win->kw) {
        ox_problem(x, "window %dx%d is larger than the padded %dx%d input", win->kh, win->kw, ph,
                   pw);
        return -1;
    }
    win->oh = (ph - win->kh) / win->sh + 1;
    win->ow = (pw - win->kw) / win->sw + 1;
    const int same_h =
        win->pt == bh && win->pb == th - bh && win->oh == (h + win->sh - 1) / win->sh;
    const int same_w =
        win->pl == bw && win->pr == tw - bw && win->ow == (w + win->sw - 1) / win->sw;
    if (!win->pt && !win->pl && !win->pb && !win->pr)
        win->padmode = 0;
    else if (same_h && same_w)
        win->padmode = 1;
    else
        win->padmode = AN_PAD_EXPLICIT;
    return 0;
}
