/*
** The ref backend: the int8 graph embedded in the executable on the
** integer reference engine (the golden model), batch for batch as the chip
** runs it. It keeps no counters.
*/
#include "backend_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct ref_impl {
    an_q_graph g;
    an_q_engine *eng;
    const int8_t *out; /* the engine's output of the last run */
} ref_impl;

static an_status ref_supports(const an_npu_exe *x) {
    return rt_needs_graph(x, "ref");
}

static an_status ref_load(an_backend *b) {
    ref_impl *m = calloc(1, sizeof *m);
    b->impl = m;
    if (!m) return an_fail(AN_ERR_NOMEM, "out of memory for the reference engine");
    an_status s = an_q8_parse(b->x->qref, (size_t)b->x->qref_size, b->x->source, &m->g);
    return s ? s : an_q_engine_create(&m->eng, &m->g, b->x->batch, AN_Q_IMPL_REF);
}

static an_status ref_run(an_backend *b, const int8_t *in) {
    ref_impl *m = b->impl;
    m->out = an_q_engine_run(m->eng, in, b->x->batch);
    return AN_OK;
}

static void ref_output(const an_backend *b, int8_t *out) {
    const ref_impl *m = b->impl;
    const an_tensor *o = &b->x->output;
    memcpy(out, m->out, (size_t)b->x->batch * o->h * o->w * o->c);
}

static void ref_close(an_backend *b) {
    ref_impl *m = b->impl;
    if (!m) return;
    an_q_engine_free(m->eng);
    an_q_graph_free(&m->g);
    free(m);
}

const rt_backend_iface rt_backend_ref = {.name = "ref",
                                         .supports = ref_supports,
                                         .load = ref_load,
                                         .run = ref_run,
                                         .output = ref_output,
                                         .close = ref_close};
