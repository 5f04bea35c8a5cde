/*
** Status codes and the per-thread error message (see core.h).
*/
#include "asicnn/core.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define AN_ERRMSG_MAX 1024

static _Thread_local char errmsg[AN_ERRMSG_MAX];

static const char *const STATUS_NAME[AN_STATUS_COUNT] = {
    [AN_OK] = "ok",
    [AN_ERR_USAGE] = "usage error",
    [AN_ERR_IO] = "i/o error",
    [AN_ERR_FORMAT] = "format error",
    [AN_ERR_NOMEM] = "out of memory",
    [AN_ERR_UNSUPPORTED] = "unsupported",
    [AN_ERR_RANGE] = "out of range",
    [AN_ERR_INTERNAL] = "internal error",
};

const char *an_status_name(an_status s) {
    return (s >= 0 && s < AN_STATUS_COUNT) ? STATUS_NAME[s] : "unknown status";
}

an_status an_fail(an_status s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return s;
}

an_status an_fail_context(an_status s, const char *fmt, ...) {
    char prefix[AN_ERRMSG_MAX], old[AN_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, errmsg, sizeof old);
    /* A message longer than the buffer is cut; both halves stay readable. */
    if (snprintf(errmsg, sizeof errmsg, "%s: %s", prefix, old) >= (int)sizeof errmsg)
        errmsg[sizeof errmsg - 1] = '\0';
    return s;
}

const char *an_errmsg(void) {
    return errmsg;
}

int an_status_exit_code(an_status s) {
    switch (s) {
    case AN_OK: return 0;
    case AN_ERR_USAGE: return 1;
    case AN_ERR_IO:
    case AN_ERR_FORMAT:
    case AN_ERR_RANGE:
    case AN_ERR_UNSUPPORTED: return 2;
    case AN_ERR_NOMEM: return 3;
    default: return 4;
    }
}

int an_mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}

an_status an_alloc_array(void **out, size_t n, size_t size, const char *what) {
    size_t bytes;
    *out = NULL;
    if (!an_mul_size(n, size, &bytes))
        return an_fail(AN_ERR_NOMEM, "%s: size %zu x %zu overflows", what, n, size);
    *out = malloc(bytes ? bytes : 1);
    if (!*out) return an_fail(AN_ERR_NOMEM, "%s: cannot allocate %zu bytes", what, bytes);
    return AN_OK;
}
