/*
** Inside src/report: HTML escaping and gnuplot runs over core's text
** buffer (an_buf), which holds the chart scripts and the HTML page.
*/
#ifndef ASICNN_REPORT_INTERNAL_H
#define ASICNN_REPORT_INTERNAL_H

#include "asicnn/report.h"

/* Text with <, >, & and quotes escaped for HTML. */
void rp_html(an_buf *b, const char *text);
/* Run the script in b through gnuplot (an_plot_svg) and free b. */
an_status rp_plot(an_buf *b, char **svg);

#endif /* ASICNN_REPORT_INTERNAL_H */
