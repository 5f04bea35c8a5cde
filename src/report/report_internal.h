/*
** Inside src/report: a growing text buffer for gnuplot scripts and the
** HTML page.
*/
#ifndef ASICNN_REPORT_INTERNAL_H
#define ASICNN_REPORT_INTERNAL_H

#include "asicnn/report.h"

typedef struct rp_buf {
    char *s;
    size_t len, cap;
    int oom;
} rp_buf;

void rp_printf(rp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text with <, >, & and quotes escaped for HTML. */
void rp_html(rp_buf *b, const char *text);
void rp_free(rp_buf *b);
/* Run the script in b through gnuplot (an_plot_svg) and free b. */
an_status rp_plot(rp_buf *b, char **svg);

#endif /* ASICNN_REPORT_INTERNAL_H */
