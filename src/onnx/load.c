/*
** ONNX loading: unpack a ModelProto with protobuf-c, check its envelope
** (graph, opset, external data, local functions, operator domains) and
** build the value table the mappers work on. Also the problem list: every
** unsupported node or attribute is recorded with the node's name and op
** type, and reported together once the whole graph has been seen.
*/
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

#define OX_MAX_VALUES (1 << 20)

const char *ox_node_name(ox_ctx *x, const Onnx__NodeProto *n, int k, char *buf, size_t size) {
    (void)x;
    if (n->name && n->name[0]) return n->name;
    snprintf(buf, size, "#%d", k);
    return buf;
}

void ox_problem(ox_ctx *x, const char *fmt, ...) {
    char msg[256], who[160] = "", nb[24];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (x->node)
        snprintf(who, sizeof who,
                 "node '%.100s' (%.40s): ", ox_node_name(x, x->node, x->node_index, nb, sizeof nb),
                 x->node->op_type ? x->node->op_type : "?");
    x->n_problems++;
    size_t len = strlen(x->problems), room = sizeof x->problems - len;
    char item[420];
    int k = snprintf(item, sizeof item, "%s%s%s", len ? "; " : "", who, msg);
    if (k > 0 && (size_t)k < room) {
        memcpy(x->problems + len, item, (size_t)k + 1);
        x->n_shown++;
    }
}

an_status ox_problems_status(ox_ctx *x) {
    if (!x->n_problems) return AN_OK;
    int more = x->n_problems - x->n_shown;
    if (more > 0)
        return an_fail(AN_ERR_UNSUPPORTED, "%s: %d unsupported: %s; and %d more", x->name,
                       x->n_problems, x->problems, more);
    return an_fail(AN_ERR_UNSUPPORTED, "%s: %d unsupported: %s", x->name, x->n_problems,
                   x->problems);
}

ox_val *ox_find(ox_ctx *x, const char *name) {
    if (!name || !name[0]) return NULL;
    for (int i = x->n_vals - 1; i >= 0; i--)
        if (strcmp(x->vals[i].name, name) == 0) return &x->vals[i];
    return NULL;
}

ox_val *ox_in(ox_ctx *x, int k) {
    if (!x->node || k < 0 || (size_t)k >= x->node->n_input) return NULL;
    return ox_find(x, x->node->input[k]);
}

ox_val *ox_out(ox_ctx *x, int k) {
    if (!x->node || k < 0 || (size_t)k >= x->node->n_output) return NULL;
    return ox_find(x, x->node->output[k]);
}

/* Add a value (or return the existing one of that name). */
static ox_val *add_val(ox_ctx *x, const char *name, int *cap) {
    if (!name || !name[0]) return NULL;
    ox_val *v = ox_find(x, name);
    if (v) return v;
    if (x->n_vals == *cap) {
        if (*cap >= OX_MAX_VALUES) return NULL;
        int nc = *cap ? *cap * 2 : 64;
        ox_val *nv = realloc(x->vals, sizeof *nv * (size_t)nc);
        if (!nv) return NULL;
        x->vals = nv, *cap = nc;
    }
    v = &x->vals[x->n_vals++];
    *v = (ox_val){.name = name, .id = -1};
    return v;
}

static int is_default_domain(const char *d) {
    return !d || !d[0] || strcmp(d, "ai.onnx") == 0;
}

/* Opset, functions, external data, domains. */
static an_status check_envelope(ox_ctx *x) {
    Onnx__ModelProto *mp = x->mp;
    if (!mp->graph)
        return an_fail(AN_ERR_FORMAT,
                       "%s: not an ONNX model (no graph; truncated or another file?)", x->name);
    x->g = mp->graph;
    x->opset = -1;
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
        if (o && is_default_domain(o->domain) && o->has_version) x->opset = (int)o->version;
    }
    if (x->opset < 0) {
        if (mp->n_opset_import == 0 && !mp->has_ir_version)
            return an_fail(AN_ERR_FORMAT,
                           "%s: not an ONNX model (no ir_version, no opset_import; truncated or "
                           "another file?)",
                           x->name);
        return an_fail(AN_ERR_FORMAT, "%s: no opset for the default ONNX domain", x->name);
    }
    if (x->opset < AN_ONNX_OPSET_MIN || x->opset > AN_ONNX_OPSET_MAX)
        return an_fail(AN_ERR_UNSUPPORTED, "%s: opset %d is not supported (asicnn reads %d to %d)",
                       x->name, x->opset, AN_ONNX_OPSET_MIN, AN_ONNX_OPSET_MAX);
    if (mp->n_functions > 0)
        return an_fail(AN_ERR_UNSUPPORTED,
                       "%s: the model defines %zu ONNX function(s) (first: '%s'); asicnn does not "
                       "inline functions: export without them (e.g. the TorchScript exporter)",
                       x->name, mp->n_functions,
                       mp->functions[0] && mp->functions[0]->name ? mp->functions[0]->name : "?");
    for (size_t i = 0; i < x->g->n_initializer; i++) {
        const Onnx__TensorProto *t = x->g->initializer[i];
        if (t && ((t->has_data_location &&
                   t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
                  t->n_external_data > 0))
            return an_fail(AN_ERR_UNSUPPORTED,
                           "%s: initializer '%s' is stored as external data; save the model with "
                           "its tensors inside the file",
                           x->name, t->name ? t->name : "?");
    }
    if (x->g->n_sparse_initializer > 0)
        return an_fail(AN_ERR_UNSUPPORTED, "%s: sparse initializers are not supported", x->name);
    return AN_OK;
}

an_status ox_load(ox_ctx *x, const uint8_t *buf, size_t n, const char *name) {
    *x = (ox_ctx){.name = name};
    an_arena_init(&x->arena, 1 << 16);
    if (n == 0) return an_fail(AN_ERR_FORMAT, "%s: empty file, not an ONNX model", name);
    x->mp = onnx__model_proto__unpack(NULL, n, buf);
    if (!x->mp)
        return an_fail(AN_ERR_FORMAT,
                       "%s: not an ONNX model (protobuf decoding failed: truncated or another "
                       "kind of file)",
                       name);
    an_status s = check_envelope(x);
    if (s) return s;
    const Onnx__GraphProto *g = x->g;
    int cap = 0;
    for (size_t i = 0; i < g->n_initializer; i++) {
        const Onnx__TensorProto *t = g->initializer[i];
        ox_val *v = add_val(x, t ? t->name : NULL, &cap);
        if (!t || !v)
            return an_fail(t ? AN_ERR_NOMEM : AN_ERR_FORMAT, "%s: initializer %zu: %s", name, i,
                           t ? "out of memory" : "missing");
        v->t = t, v->kind = OX_CONST;
    }
    for (size_t i = 0; i < g->n_input; i++)
        if (g->input[i] && g->input[i]->name && !add_val(x, g->input[i]->name, &cap))
            return an_fail(AN_ERR_NOMEM, "%s: too many values", name);
    for (size_t k = 0; k < g->n_node; k++) {
        const Onnx__NodeProto *nd = g->node[k];
        if (!nd || !nd->op_type)
            return an_fail(AN_ERR_FORMAT, "%s: node %zu has no op_type", name, k);
        x->node = nd, x->node_index = (int)k;
        if (!is_default_domain(nd->domain))
            ox_problem(x, "operator domain '%s' is not supported (only the default ONNX domain)",
                       nd->domain);
        for (size_t i = 0; i < nd->n_input; i++) {
            ox_val *v = ox_find(x, nd->input[i]);
            if (v)
                v->users++;
            else if (nd->input[i] && nd->input[i][0])
                ox_problem(x, "input '%.80s' is not defined before this node", nd->input[i]);
        }
        for (size_t i = 0; i < nd->n_output; i++) {
            ox_val *v = ox_find(x, nd->output[i]);
            if (v && (v->t || v->kind != OX_UNKNOWN || v->users)) {
                ox_problem(x, "output '%.80s' is defined twice", nd->output[i]);
                continue;
            }
            if (!v && nd->output[i] && nd->output[i][0] && !add_val(x, nd->output[i], &cap))
                return an_fail(AN_ERR_NOMEM, "%s: too many values", name);
        }
    }
    x->node = NULL;
    for (size_t i = 0; i < g->n_output; i++) {
        ox_val *v = g->output[i] ? ox_find(x, g->output[i]->name) : NULL;
        if (!v)
            return an_fail(AN_ERR_FORMAT, "%s: graph output %zu is not produced by any node", name,
                           i);
        v->graph_output = 1;
    }
    if (g->n_output != 1)
        return an_fail(AN_ERR_UNSUPPORTED, "%s: the graph has %zu outputs; asicnn models have one",
                       name, g->n_output);
    return AN_OK;
}

void ox_free(ox_ctx *x) {
    if (x->mp) onnx__model_proto__free_unpacked(x->mp, NULL);
    free(x->vals);
    an_arena_free(&x->arena);
    *x = (ox_ctx){0};
}

ox_val *ox_graph_input(ox_ctx *x, int64_t *dims, int *ndim) {
    const Onnx__ValueInfoProto *in = NULL;
    int count = 0;
    for (size_t i = 0; i < x->g->n_input; i++) {
        ox_val *v = x->g->input[i] ? ox_find(x, x->g->input[i]->name) : NULL;
        if (v && !v->t) in = x->g->input[i], count++;
    }
    x->node = NULL;
    if (count != 1) {
        ox_problem(x, "the graph has %d non-constant inputs; asicnn models have one", count);
        return NULL;
    }
    const Onnx__TypeProto *tp = in->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
        !tp->tensor_type->shape) {
        ox_problem(x, "graph input '%s' has no tensor shape", in->name);
        return NULL;
    }
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->has_elem_type && tt->elem_type != OX_FLOAT) {
        ox_problem(x, "graph input '%s' has element type %d; asicnn models take float input",
                   in->name, tt->elem_type);
        return NULL;
    }
    const Onnx__TensorShapeProto *sh = tt->shape;
    if (sh->n_dim != 2 && sh->n_dim != 4) {
        ox_problem(x, "graph input '%s' has %zu dimensions; asicnn takes N x F or N x C x H x W",
                   in->name, sh->n_dim);
        return NULL;
    }
    *ndim = (int)sh->n_dim;
    for (size_t i = 0; i < sh->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = sh->dim[i];
        int known = d && d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        dims[i] = known ? d->dim_value : -1;
        if (i > 0 && (!known || d->dim_value < 1 || d->dim_value > (1 << 24))) {
            ox_problem(x, "graph input '%s': dimension %zu must be a fixed size in 1..2^24",
                       in->name, i);
            return NULL;
        }
    }
    return ox_find(x, in->name);
}
