/*
** The report's text buffer: printf-style appends that grow the buffer and
** remember an allocation failure instead of crashing.
*/
#include "report_internal.h"

#include <stdarg.h>
#include <stdlib.h>

void rp_printf(rp_buf *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        const size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s, b->cap = cap;
    }
}

void rp_html(rp_buf *b, const char *t) {
    for (; *t; t++) {
        switch (*t) {
        case '<':
            rp_printf(b, "&lt;");
            break;
        case '>':
            rp_printf(b, "&gt;");
            break;
        case '&':
            rp_printf(b, "&amp;");
            break;
        case '"':
            rp_printf(b, "&quot;");
            break;
        default:
            rp_printf(b, "%c", *t);
        }
    }
}

void rp_free(rp_buf *b) {
    free(b->s);
    *b = (rp_buf){0};
}

an_status rp_plot(rp_buf *b, char **svg) {
    an_status s = b->oom ? an_fail(AN_ERR_NOMEM, "chart script") : an_plot_svg(b->s, svg);
    rp_free(b);
    return s;
}
