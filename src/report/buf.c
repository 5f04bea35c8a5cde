/*
** The report's helpers over core's text buffer: HTML escaping, names quoted
** for gnuplot scripts, and a chart script run through gnuplot once, the
** buffer freed either way.
*/
#include "report_internal.h"

void rp_html(an_buf *b, const char *t) {
    for (; *t; t++) {
        switch (*t) {
        case '<':
            an_buf_printf(b, "&lt;");
            break;
        case '>':
            an_buf_printf(b, "&gt;");
            break;
        case '&':
            an_buf_printf(b, "&amp;");
            break;
        case '"':
            an_buf_printf(b, "&quot;");
            break;
        default:
            an_buf_printf(b, "%c", *t);
        }
    }
}

void rp_gp_str(an_buf *b, const char *t) {
    an_buf_printf(b, "'");
    for (; *t; t++) an_buf_printf(b, *t == '\'' ? "''" : "%c", *t);
    an_buf_printf(b, "'");
}

void rp_gp_field(an_buf *b, const char *t) {
    an_buf_printf(b, "\"");
    for (; *t; t++) {
        const unsigned char c = (unsigned char)*t;
        an_buf_printf(b, "%c", c == '"' ? '\'' : c < ' ' || c == 0x7f ? ' ' : c);
    }
    an_buf_printf(b, "\"");
}

an_status rp_plot(an_buf *b, char **svg) {
    an_status s = b->oom ? an_fail(AN_ERR_NOMEM, "chart script") : an_plot_svg(b->s, svg);
    an_buf_free(b);
    return s;
}
