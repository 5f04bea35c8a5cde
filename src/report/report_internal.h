/*
** Inside src/report: HTML escaping, gnuplot strings and runs over core's
** text buffer (an_buf), which holds the chart scripts and the HTML page, and
** the chip profile that the comparison's hardware rows and the sweep share.
*/
#ifndef ASICNN_REPORT_INTERNAL_H
#define ASICNN_REPORT_INTERNAL_H

#include "asicnn/report.h"

/* Text with <, >, & and quotes escaped for HTML. */
void rp_html(an_buf *b, const char *text);
/* The start of every chart script: an SVG W x H to stdout, text printed as
** written (noenhanced: `conv2d_1` is no conv2d with a subscript 1), so a
** unit's exponent is a UTF-8 character, not ^2. */
#define RP_SVG_HEAD(w, h)                                                                          \
    "set terminal svg size " #w "," #h " dynamic noenhanced font 'sans,11'\nset output\n"
/* t as a gnuplot string constant: single-quoted, quotes doubled. */
void rp_gp_str(an_buf *b, const char *t);
/* t as one field of a data block: double-quoted, with double quotes and
** control characters (which no quoting survives) written as ' and space. */
void rp_gp_field(an_buf *b, const char *t);
/* Run the script in b through gnuplot (an_plot_svg) and free b. */
an_status rp_plot(an_buf *b, char **svg);

/* g compiled for chip cfg at batch B (default options) and one batch
** profiled on the first backend that counts a whole profile and supports
** it (an_backend_profile_any), energy at LPDDR4 (chip_profile.c); the
** caller frees p with an_profile_free. */
an_status rp_chip_profile(const an_q_graph *g, const an_npu_config *cfg, int B, an_profile *p);

#endif /* ASICNN_REPORT_INTERNAL_H */
