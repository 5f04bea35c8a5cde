/*
** The HTML report: one self-contained page (no scripts, no external
** files) with the comparison table, every row labelled measured or
** modelled with its sources, and one section per chart as inline SVG.
*/
#include "report_internal.h"

static void table(an_buf *b, const an_cmp *c) {
    an_buf_printf(b, "<h2>Comparison</h2>\n<p>");
    rp_html(b, c->model);
    an_buf_printf(b,
                  " on %lld test images; latency and energy per image at batch 1, throughput at "
                  "batch %d.</p>\n<table>\n<tr><th>target</th><th>kind</th><th>latency us</th>"
                  "<th>images/s</th><th>energy uJ</th><th>accuracy %%</th><th>area mm&sup2;</th>"
                  "<th>MHz</th><th>notes</th></tr>\n",
                  (long long)c->images, c->n ? c->rows[0].batch : 0);
    for (int i = 0; i < c->n; i++) {
        const an_cmp_row *r = &c->rows[i];
        an_buf_printf(b, "<tr><td>");
        rp_html(b, r->target);
        an_buf_printf(b,
                      "</td><td class=\"%s\">%s</td><td>%.2f</td><td>%.0f</td><td>%.3f</td>"
                      "<td>%.2f</td>",
                      r->measured ? "m" : "e", r->measured ? "measured" : "modelled", r->latency_us,
                      r->throughput, r->energy_uj, r->accuracy);
        if (r->area_mm2 > 0)
            an_buf_printf(b, "<td>%.3f</td>", r->area_mm2);
        else
            an_buf_printf(b, "<td>-</td>");
        if (r->clock_mhz > 0)
            an_buf_printf(b, "<td>%.0f</td><td>", r->clock_mhz);
        else
            an_buf_printf(b, "<td>-</td><td>");
        rp_html(b, r->extra);
        an_buf_printf(b, "</td></tr>\n");
    }
    an_buf_printf(b, "</table>\n<h3>Sources</h3>\n<ul>\n");
    for (int i = 0; i < c->n; i++) {
        an_buf_printf(b, "<li><b>");
        rp_html(b, c->rows[i].target);
        an_buf_printf(b, "</b> (%s): ", c->rows[i].measured ? "measured" : "modelled");
        rp_html(b, c->rows[i].source);
        an_buf_printf(b, "</li>\n");
    }
    an_buf_printf(b, "</ul>\n");
}

an_status an_html_write(const char *path, const char *title, const an_cmp *c,
                        const an_html_section *sec, int n) {
    an_buf b = {0};
    an_buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
    rp_html(&b, title);
    an_buf_printf(&b,
                  "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:2em "
                  "auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid "
                  "#ccc;padding:3px 8px;text-align:right}td:first-child,td:last-child{text-align:"
                  "left}.m{color:#1a5}.e{color:#b60}figure{margin:1em 0}svg{max-width:100%%;"
                  "height:auto}</style>\n</head><body>\n<h1>");
    rp_html(&b, title);
    an_buf_printf(&b, "</h1>\n");
    if (c) table(&b, c);
    for (int i = 0; i < n; i++) {
        an_buf_printf(&b, "<section class=\"chart\"><h2>");
        rp_html(&b, sec[i].title);
        an_buf_printf(&b, "</h2>\n<p>");
        rp_html(&b, sec[i].text ? sec[i].text : "");
        an_buf_printf(&b, "</p>\n<figure>\n");
        if (sec[i].svg) {
            an_buf_printf(&b, "%s\n", sec[i].svg);
        } else {
            an_buf_printf(&b, "<p><i>not available: ");
            rp_html(&b, sec[i].why ? sec[i].why : "no data");
            an_buf_printf(&b, "</i></p>\n");
        }
        an_buf_printf(&b, "</figure></section>\n");
    }
    an_buf_printf(&b, "</body></html>\n");
    if (b.oom) {
        an_buf_free(&b);
        return an_fail(AN_ERR_NOMEM, "%s: the report page", path);
    }
    an_afile f;
    an_status s = an_afile_open(&f, path);
    if (!s) {
        if ((s = an_afile_write(&f, b.s, b.len)))
            an_afile_abort(&f);
        else
            s = an_afile_commit(&f);
    }
    an_buf_free(&b);
    return s;
}
