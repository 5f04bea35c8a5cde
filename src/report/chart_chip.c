/*
** The report's charts of the chip: per-layer cycles split into busy and
** stall causes (in proportion to the queues' busy and stall cycles) with
** the array utilisation, and the roofline of the chip
** (peak 2RC ops/cycle, DRAM bytes/cycle) with every layer as a point.
*/
#include "report_internal.h"

#define SVG_HEAD RP_SVG_HEAD(720, 400)

/* set title 'WHAT CHIP REST', the chip's name (any 31 bytes) quoted for gnuplot. */
static void title(an_buf *b, const char *what, const char *chip, const char *rest) {
    char t[256];
    snprintf(t, sizeof t, "%s%s%s", what, chip, rest);
    an_buf_printf(b, "set title ");
    rp_gp_str(b, t);
    an_buf_printf(b, "\n");
}

an_status an_chart_layers(const an_profile *p, const an_npu_exe *x, char **svg) {
    an_buf b = {0};
    an_buf_printf(&b, SVG_HEAD);
    title(&b, "Per layer on ", p->cfg.name,
          ": cycles as shares of queue time (busy, stalls) and array utilisation");
    an_buf_printf(&b, "set style data histograms\n"
                      "set style histogram rowstacked\nset style fill solid 0.8\n"
                      "set boxwidth 0.6\nset ylabel 'cycles'\nset y2label 'utilisation %%'\n"
                      "set y2tics\nset y2range [0:100]\nset xtics rotate by -30 font ',9'\n"
                      "set key outside right\nset grid ytics\n$d << EOD\n");
    for (int l = 0; l < p->n_layers; l++) {
        /* The load, compute and store queues run at once: their busy and
        ** stall cycles added up pass the layer's cycles (busy alone often
        ** does). The bar splits the layer's cycles in proportion to them. */
        const an_perf *q = &p->layer[l];
        int64_t queues = q->busy;
        for (int k = 0; k < AN_STALL_COUNT; k++) queues += q->stall[k];
        const double scale = queues > 0 ? (double)q->cycles / (double)queues : 0;
        rp_gp_field(&b, x->layers[l].name);
        an_buf_printf(&b, " %.0f", scale * (double)q->busy);
        for (int k = 0; k < AN_STALL_COUNT; k++)
            an_buf_printf(&b, " %.0f", scale * (double)q->stall[k]);
        an_buf_printf(&b, " %.2f\n", 100 * an_perf_util(q, &p->cfg, q->cycles));
    }
    an_buf_printf(&b, "EOD\nplot $d using 2:xtic(1) title 'busy'");
    for (int k = 0; k < AN_STALL_COUNT; k++)
        an_buf_printf(&b, ", '' using %d title 'stall: %s'", 3 + k, AN_STALL_NAME[k]);
    an_buf_printf(&b,
                  ", '' using 0:%d axes x1y2 with linespoints lw 2 pt 7 lc rgb 'black' "
                  "title 'utilisation'\n",
                  3 + AN_STALL_COUNT);
    return rp_plot(&b, svg);
}

an_status an_chart_roofline(const an_profile *p, const an_npu_exe *x, char **svg) {
    const double peak = 2.0 * p->cfg.rows * p->cfg.cols, bw = p->cfg.dram_bytes_per_cycle;
    an_buf b = {0};
    char rest[96];
    snprintf(rest, sizeof rest, ": peak %.0f ops/cycle, DRAM %.1f B/cycle", peak, bw);
    an_buf_printf(&b, SVG_HEAD);
    title(&b, "Roofline of ", p->cfg.name, rest);
    an_buf_printf(&b,
                  "set logscale xy\nset xlabel 'operational intensity (ops per DRAM byte)'\n"
                  "set ylabel 'ops per cycle'\nset grid\nset key top left\n"
                  "set xrange [0.1:10000]\nset yrange [0.1:%g]\n$d << EOD\n",
                  peak * 4);
    int points = 0;
    for (int l = 0; l < p->n_layers; l++) {
        double oi, att, roof;
        an_perf_roofline(&p->layer[l], &p->cfg, p->layer[l].cycles, &oi, &att, &roof);
        if (oi > 0 && att > 0) {
            an_buf_printf(&b, "%g %g ", oi, att);
            rp_gp_field(&b, x->layers[l].name);
            an_buf_printf(&b, "\n");
            points++;
        }
    }
    if (!points) an_buf_printf(&b, "1 1 none\n");
    an_buf_printf(&b,
                  "EOD\nroof(x) = (x * %g < %g) ? x * %g : %g\n"
                  "plot roof(x) with lines lw 2 lc rgb '#cc3311' title 'roof', "
                  "$d using 1:2 with points pt 7 ps 1.2 lc rgb '#4477aa' title 'layers', "
                  "$d using 1:2:3 with labels offset 0,1 font ',8' notitle\n",
                  bw, peak, bw, peak);
    return rp_plot(&b, svg);
}
