/*
** The backend interface (include/asicnn/runtime.h): the table of backends
** by kind, the search of that table for a backend by what it gives and
** whether it supports a program, and the calls that check a request (a
** loaded program, a completed run) before handing it to the backend's
** operations.
*/
#include "backend_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rt_backend_iface *const IFACE[AN_BACKEND_COUNT] = {
    [AN_BACKEND_SIM] = &rt_backend_sim,
    [AN_BACKEND_RTL] = &rt_backend_rtl,
    [AN_BACKEND_REF] = &rt_backend_ref,
    [AN_BACKEND_GPU] = &rt_backend_gpu,
};

const char *an_backend_name(an_backend_kind k) {
    return k >= 0 && k < AN_BACKEND_COUNT ? IFACE[k]->name : "?";
}

an_status an_backend_by_name(const char *name, an_backend_kind *k) {
    for (int i = 0; i < AN_BACKEND_COUNT; i++)
        if (strcmp(name, IFACE[i]->name) == 0) {
            *k = (an_backend_kind)i;
            return AN_OK;
        }
    return an_fail(AN_ERR_USAGE, "no backend '%s' (sim, rtl, ref or gpu)", name);
}

an_status an_backend_supports(an_backend_kind k, const an_npu_exe *x) {
    if (k < 0 || k >= AN_BACKEND_COUNT) return an_fail(AN_ERR_USAGE, "no backend %d", (int)k);
    return IFACE[k]->supports(x);
}

unsigned an_backend_caps(an_backend_kind k) {
    if (k < 0 || k >= AN_BACKEND_COUNT) return 0;
    const rt_backend_iface *o = IFACE[k];
    return o->caps | (o->counters ? AN_BACKEND_CAP_CYCLES : 0u) |
           (o->dram ? AN_BACKEND_CAP_DRAM : 0u) | (o->trace ? AN_BACKEND_CAP_TRACE : 0u) |
           (o->device_ms ? AN_BACKEND_CAP_DEVICE_TIME : 0u);
}

an_status an_backend_find(unsigned caps, const an_npu_exe *x, an_backend_kind *k) {
    char why[1024] = "";
    size_t n = 0;
    for (int i = 0; i < AN_BACKEND_COUNT; i++) {
        if ((an_backend_caps((an_backend_kind)i) & caps) != caps) continue;
        if (IFACE[i]->supports(x) == AN_OK) {
            *k = (an_backend_kind)i;
            return AN_OK;
        }
        /* the refusal's reason (each names its backend), after the others' */
        n += (size_t)snprintf(why + n, sizeof why - n, "%s%s", n ? "; " : "", an_errmsg());
        if (n >= sizeof why) n = sizeof why - 1;
    }
    if (!n) return an_fail(AN_ERR_UNSUPPORTED, "%s: no backend gives what is asked", x->source);
    return an_fail(AN_ERR_UNSUPPORTED, "%s", why);
}

an_status an_backend_load(an_backend **out, an_backend_kind k, const an_npu_exe *x,
                          const an_backend_opts *opts) {
    *out = NULL;
    an_status s = an_backend_supports(k, x);
    if (s) return s;
    an_backend *b = calloc(1, sizeof *b);
    if (!b) return an_fail(AN_ERR_NOMEM, "out of memory for the %s backend", IFACE[k]->name);
    b->ops = IFACE[k];
    b->x = x;
    if (opts) b->opts = *opts;
    if ((s = b->ops->load(b))) {
        an_backend_close(b);
        return s;
    }
    *out = b;
    return AN_OK;
}

const char *an_backend_get_name(const an_backend *b) {
    return b->ops->name;
}

an_status an_backend_run(an_backend *b, const int8_t *in) {
    b->ran = 0;
    an_status s = b->ops->run(b, in);
    b->ran = !s;
    return s;
}

/* AN_OK when b has a completed run. */
static an_status ran(const an_backend *b) {
    return b->ran ? AN_OK
                  : an_fail(AN_ERR_USAGE, "%s: the %s backend has no completed run", b->x->source,
                            b->ops->name);
}

an_status an_backend_output(const an_backend *b, int8_t *out) {
    an_status s = ran(b);
    if (!s) b->ops->output(b, out);
    return s;
}

const uint8_t *an_backend_dram(const an_backend *b) {
    return b->ran && b->ops->dram ? b->ops->dram(b) : NULL;
}

/* AN_OK when b's backend has an operation (has) and a completed run;
** else AN_ERR_UNSUPPORTED, "the NAME backend " + lacks, or ran's failure. */
static an_status able(const an_backend *b, int has, const char *lacks) {
    if (!has) return an_fail(AN_ERR_UNSUPPORTED, "the %s backend %s", b->ops->name, lacks);
    return ran(b);
}

an_status an_backend_counters(const an_backend *b, an_profile *p) {
    memset(p, 0, sizeof *p);
    an_status s = ran(b);
    if (!s) s = able(b, b->ops->counters != NULL, "keeps no counters");
    return s ? s : b->ops->counters(b, p);
}

an_status an_backend_trace(const an_backend *b, const char *path) {
    an_status s =
        able(b, b->ops->trace != NULL, "records no instruction trace (the sim backend does)");
    return s ? s : b->ops->trace(b, path);
}

an_status an_backend_device_ms(const an_backend *b, double *ms) {
    *ms = 0;
    an_status s =
        able(b, b->ops->device_ms != NULL, "measures no device time (a chip's time is its cycles)");
    return s ? s : b->ops->device_ms(b, ms);
}

void an_backend_device_name(const an_backend *b, char *buf, size_t n) {
    if (b->ops->device_name)
        b->ops->device_name(b, buf, n);
    else
        snprintf(buf, n, "%s", b->ops->name);
}

void an_backend_close(an_backend *b) {
    if (!b) return;
    b->ops->close(b);
    free(b);
}

an_status rt_needs_graph(const an_npu_exe *x, const char *backend) {
    if (x->qref_size) return AN_OK;
    return an_fail(AN_ERR_UNSUPPORTED,
                   "%s: the %s backend runs the int8 graph embedded in the executable, and it "
                   "has none (compile it from a .q8)",
                   x->source, backend);
}
