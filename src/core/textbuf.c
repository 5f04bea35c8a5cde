/*
** The growing text buffer (an_buf in core.h): printf-style and byte appends that
** double the buffer as needed and remember an allocation failure instead of
** crashing, so a caller checks once, at the end.
*/
#include "asicnn/core.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and a NUL (0), or oom set (-1). */
static int grow(an_buf *b, size_t n) {
    if (b->oom) return -1;
    if (b->s && b->len + n < b->cap) return 0;
    const size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s, b->cap = cap;
    return 0;
}

void an_buf_vprintf(an_buf *b, const char *fmt, va_list ap) {
    if (b->oom) return;
    for (;;) {
        va_list aq;
        va_copy(aq, ap);
        const int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, aq);
        va_end(aq);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        if (grow(b, (size_t)n)) return;
    }
}

void an_buf_append(an_buf *b, const void *p, size_t n) {
    if (grow(b, n)) return;
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void an_buf_printf(an_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    an_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *an_buf_take(an_buf *b) {
    char *s = b->oom ? NULL : b->s;
    if (b->oom) free(b->s);
    *b = (an_buf){0};
    return s;
}

void an_buf_free(an_buf *b) {
    free(b->s);
    *b = (an_buf){0};
}
