/*
** The sweep's Pareto chart: latency against area for every configuration,
** the Pareto front (latency, energy, area) drawn as a line, each point
** labelled with its array size.
*/
#include "report_internal.h"

#include <stdlib.h>

an_status an_chart_pareto(const an_sweep_point *pts, int n, char **svg) {
    if (n < 1) return an_fail(AN_ERR_RANGE, "no sweep points to chart");
    an_buf b = {0};
    an_buf_printf(&b, RP_SVG_HEAD(720, 420));
    an_buf_printf(&b,
                  "set title 'Sweep: latency vs area (Pareto front over latency, energy, area)'\n"
                  "set xlabel 'area (mm\xc2\xb2, area model)'\n"
                  "set ylabel 'latency per image (us)'\n"
                  "set logscale xy\nset grid\nset key top right\n$all << EOD\n");
    for (int i = 0; i < n; i++)
        if (!pts[i].failed)
            an_buf_printf(&b, "%g %g %dx%d\n", pts[i].area_mm2, pts[i].latency_us, pts[i].cfg.rows,
                          pts[i].cfg.cols);
    an_buf_printf(&b, "EOD\n$front << EOD\n");
    /* the front sorted by area */
    int *idx = malloc(sizeof(int) * (size_t)n), m = 0;
    if (!idx) b.oom = 1;
    for (int i = 0; idx && i < n; i++)
        if (pts[i].pareto) idx[m++] = i;
    for (int a = 0; idx && a < m; a++)
        for (int c = a + 1; c < m; c++)
            if (pts[idx[c]].area_mm2 < pts[idx[a]].area_mm2) {
                const int t = idx[a];
                idx[a] = idx[c];
                idx[c] = t;
            }
    for (int a = 0; idx && a < m; a++)
        an_buf_printf(&b, "%g %g\n", pts[idx[a]].area_mm2, pts[idx[a]].latency_us);
    free(idx);
    an_buf_printf(&b, "EOD\nplot $all using 1:2 with points pt 7 ps 0.8 lc rgb '#4477aa' title "
                      "'configurations', \\\n  $all using 1:2:3 with labels offset 0,0.8 font ',8' "
                      "notitle, \\\n  $front using 1:2 with linespoints lw 2 pt 6 ps 1.5 lc rgb "
                      "'#cc3311' title 'Pareto front'\n");
    return rp_plot(&b, svg);
}
