/*
** The device API (include/asicnn/runtime.h): a device is a chip
** configuration and a backend kind; it holds loaded executables (programs),
** each a private copy with its own backend (an_backend), input and output
** buffers, state and last error. Runs are blocking or asynchronous (one
** pthread per run, joined by wait). One mutex per device guards the table;
** a program's run owns the program until it is waited for.
*/
#include "asicnn/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROGRAMS 64

typedef struct program {
    int used;
    an_npu_exe exe;
    an_backend *be;
    int8_t *in, *out;
    int64_t n_in, n_out;
    an_run_state state;
    int joinable;
    pthread_t thread;
    char error[512];
    an_device *dev;
} program;

struct an_device {
    an_npu_config cfg;
    an_backend_kind backend;
    pthread_mutex_t mu;
    program prog[MAX_PROGRAMS];
};

an_status an_device_open(an_device **out, const an_npu_config *cfg, an_backend_kind backend) {
    *out = NULL;
    if (backend < 0 || backend >= AN_BACKEND_COUNT)
        return an_fail(AN_ERR_USAGE, "device: no backend %d", (int)backend);
    an_status s = an_npu_config_validate(cfg, "device");
    if (s) return s;
    an_device *d = calloc(1, sizeof *d);
    if (!d) return an_fail(AN_ERR_NOMEM, "out of memory for the device");
    d->cfg = *cfg;
    d->backend = backend;
    pthread_mutex_init(&d->mu, NULL);
    *out = d;
    return AN_OK;
}

static void drop(program *p) {
    if (p->joinable) pthread_join(p->thread, NULL);
    an_backend_close(p->be);
    an_npu_exe_free(&p->exe);
    free(p->in);
    free(p->out);
    memset(p, 0, sizeof *p);
}

void an_device_close(an_device *d) {
    if (!d) return;
    for (int i = 0; i < MAX_PROGRAMS; i++)
        if (d->prog[i].used) drop(&d->prog[i]);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

/* The program behind a handle, or NULL with a message. */
static program *get(an_device *d, an_program h) {
    if (h < 0 || h >= MAX_PROGRAMS || !d->prog[h].used) {
        an_fail(AN_ERR_USAGE, "device: no program %d is loaded", (int)h);
        return NULL;
    }
    return &d->prog[h];
}

an_status an_device_load(an_device *d, const an_npu_exe *x, an_program *h) {
    *h = -1;
    an_status s = an_npu_config_same_chip(&d->cfg, &x->cfg)
                      ? AN_OK
                      : an_fail(AN_ERR_FORMAT, "%s: compiled for chip %s, the device is %s",
                                x->source, x->cfg.name, d->cfg.name);
    if (!s) s = an_backend_supports(d->backend, x);
    if (s) return s;
    pthread_mutex_lock(&d->mu);
    int slot = -1;
    for (int i = 0; i < MAX_PROGRAMS && slot < 0; i++)
        if (!d->prog[i].used) slot = i;
    if (slot < 0) s = an_fail(AN_ERR_RANGE, "device: %d programs already loaded", MAX_PROGRAMS);
    program *p = slot >= 0 ? &d->prog[slot] : NULL;
    if (!s) s = an_npu_exe_copy(x, &p->exe); /* a private, validated copy */
    if (!s) {
        p->used = 1;
        p->dev = d;
        p->n_in = (int64_t)p->exe.batch * p->exe.input.h * p->exe.input.w * p->exe.input.c;
        p->n_out = (int64_t)p->exe.batch * p->exe.output.h * p->exe.output.w * p->exe.output.c;
        p->in = calloc((size_t)p->n_in, 1);
        p->out = calloc((size_t)p->n_out, 1);
        if (!p->in || !p->out) s = an_fail(AN_ERR_NOMEM, "out of memory for the program's tensors");
        if (!s) memset(p->in, (int8_t)p->exe.input.zero_point, (size_t)p->n_in);
        if (!s) s = an_backend_load(&p->be, d->backend, &p->exe, NULL);
        if (s)
            drop(p);
        else
            *h = slot;
    }
    pthread_mutex_unlock(&d->mu);
    return s;
}

an_status an_device_load_file(an_device *d, const char *path, an_program *h) {
    an_npu_exe x;
    an_status s = an_npu_load(path, &x);
    if (s) return s;
    s = an_device_load(d, &x, h);
    an_npu_exe_free(&x);
    return s;
}

/* Locks the device, finds an idle program; the caller unlocks. */
static program *idle(an_device *d, an_program h) {
    pthread_mutex_lock(&d->mu);
    program *p = get(d, h);
    if (p && p->state == AN_RUN_BUSY) {
        an_fail(AN_ERR_USAGE, "device: program %d is running", (int)h);
        p = NULL;
    }
    return p;
}

an_status an_device_unload(an_device *d, an_program h) {
    program *p = idle(d, h);
    if (p) drop(p);
    pthread_mutex_unlock(&d->mu);
    return p ? AN_OK : AN_ERR_USAGE;
}

/* Program h's input (out 0) or output (out 1) size, -1 when none. */
static int64_t io_size(an_device *d, an_program h, int out) {
    pthread_mutex_lock(&d->mu);
    program *p = get(d, h);
    const int64_t n = !p ? -1 : out ? p->n_out : p->n_in;
    pthread_mutex_unlock(&d->mu);
    return n;
}

int64_t an_device_input_size(an_device *d, an_program h) {
    return io_size(d, h, 0);
}

int64_t an_device_output_size(an_device *d, an_program h) {
    return io_size(d, h, 1);
}

an_status an_device_set_input(an_device *d, an_program h, const int8_t *in, int64_t n) {
    program *p = idle(d, h);
    an_status s = p ? AN_OK : AN_ERR_USAGE;
    if (p && n != p->n_in)
        s = an_fail(AN_ERR_RANGE, "device: input has %lld bytes, program %d takes %lld",
                    (long long)n, (int)h, (long long)p->n_in);
    if (!s) memcpy(p->in, in, (size_t)n);
    pthread_mutex_unlock(&d->mu);
    return s;
}

static void *run_thread(void *arg) {
    program *p = arg;
    an_status s = an_backend_run(p->be, p->in);
    if (!s) s = an_backend_output(p->be, p->out);
    pthread_mutex_lock(&p->dev->mu);
    if (s) snprintf(p->error, sizeof p->error, "%s", an_errmsg());
    p->state = s ? AN_RUN_FAILED : AN_RUN_DONE;
    pthread_mutex_unlock(&p->dev->mu);
    return NULL;
}

an_status an_device_start(an_device *d, an_program h) {
    program *p = idle(d, h);
    an_status s = p ? AN_OK : AN_ERR_USAGE;
    if (p) {
        if (p->joinable) pthread_join(p->thread, NULL), p->joinable = 0;
        p->state = AN_RUN_BUSY;
        p->error[0] = 0;
        if (pthread_create(&p->thread, NULL, run_thread, p)) {
            p->state = AN_RUN_FAILED;
            s = an_fail(AN_ERR_NOMEM, "device: cannot start a thread");
            snprintf(p->error, sizeof p->error, "%s", an_errmsg());
        } else {
            p->joinable = 1;
        }
    }
    pthread_mutex_unlock(&d->mu);
    return s;
}

an_status an_device_wait(an_device *d, an_program h) {
    pthread_mutex_lock(&d->mu);
    program *p = get(d, h);
    const int join = p && p->joinable;
    if (join) p->joinable = 0;
    pthread_mutex_unlock(&d->mu);
    if (!p) return AN_ERR_USAGE;
    if (join) pthread_join(p->thread, NULL);
    pthread_mutex_lock(&d->mu);
    an_status s = AN_OK;
    if (p->state == AN_RUN_FAILED) s = an_fail(AN_ERR_INTERNAL, "%s", p->error);
    pthread_mutex_unlock(&d->mu);
    return s;
}

an_status an_device_run(an_device *d, an_program h) {
    an_status s = an_device_start(d, h);
    return s ? s : an_device_wait(d, h);
}

an_run_state an_device_state(an_device *d, an_program h) {
    pthread_mutex_lock(&d->mu);
    program *p = get(d, h);
    const an_run_state st = p ? p->state : AN_RUN_FAILED;
    pthread_mutex_unlock(&d->mu);
    return st;
}

const char *an_device_error(an_device *d, an_program h) {
    pthread_mutex_lock(&d->mu);
    program *p = get(d, h);
    const char *e = p ? p->error : "no such program";
    pthread_mutex_unlock(&d->mu);
    return e;
}

/* Locks; a program whose last run completed. */
static program *done(an_device *d, an_program h) {
    program *p = idle(d, h);
    if (p && p->state != AN_RUN_DONE) {
        an_fail(AN_ERR_USAGE, "device: program %d has no completed run", (int)h);
        p = NULL;
    }
    return p;
}

an_status an_device_get_output(an_device *d, an_program h, int8_t *out, int64_t n) {
    program *p = done(d, h);
    an_status s = p ? AN_OK : AN_ERR_USAGE;
    if (p && n != p->n_out)
        s = an_fail(AN_ERR_RANGE, "device: output has %lld bytes, asked for %lld",
                    (long long)p->n_out, (long long)n);
    if (!s) memcpy(out, p->out, (size_t)n);
    pthread_mutex_unlock(&d->mu);
    return s;
}

an_status an_device_get_element(an_device *d, an_program h, int64_t i, int8_t *v) {
    program *p = done(d, h);
    an_status s = p ? AN_OK : AN_ERR_USAGE;
    if (p && (i < 0 || i >= p->n_out))
        s = an_fail(AN_ERR_RANGE, "device: element %lld outside the output (%lld)", (long long)i,
                    (long long)p->n_out);
    if (!s) *v = p->out[i];
    pthread_mutex_unlock(&d->mu);
    return s;
}

an_status an_device_counters(an_device *d, an_program h, an_profile *out) {
    program *p = done(d, h);
    an_status s = p ? an_backend_counters(p->be, out) : AN_ERR_USAGE;
    pthread_mutex_unlock(&d->mu);
    return s;
}
