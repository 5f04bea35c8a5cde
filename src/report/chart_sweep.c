/*
** The sweep's Pareto chart: latency against area for every configuration,
** the Pareto front (latency, energy, area) drawn as a line, each point
** labelled with its array size.
*/
#include "asicnn/report.h"

#include <stdlib.h>
#include <string.h>

an_status an_chart_pareto(const an_sweep_point *pts, int n, char **svg) {
    if (n < 1) return an_fail(AN_ERR_RANGE, "no sweep points to chart");
    size_t cap = 4096 + (size_t)n * 200;
    char *s = malloc(cap);
    if (!s) return an_fail(AN_ERR_NOMEM, "chart script");
    size_t k = (size_t)snprintf(
        s, cap,
        "set terminal svg size 720,420 dynamic font 'sans,11'\nset output\n"
        "set title 'Sweep: latency vs area (Pareto front over latency, energy, area)'\n"
        "set xlabel 'area (mm^2, area model)'\nset ylabel 'latency per image (us)'\n"
        "set logscale xy\nset grid\nset key top right\n"
        "$all << EOD\n");
    for (int i = 0; i < n; i++)
        if (!pts[i].failed)
            k += (size_t)snprintf(s + k, cap - k, "%g %g %dx%d\n", pts[i].area_mm2,
                                  pts[i].latency_us, pts[i].cfg.rows, pts[i].cfg.cols);
    k += (size_t)snprintf(s + k, cap - k, "EOD\n$front << EOD\n");
    /* the front sorted by area */
    int *idx = n > 0 ? malloc(sizeof(int) * (size_t)n) : NULL, m = 0;
    for (int i = 0; idx && i < n; i++)
        if (pts[i].pareto) idx[m++] = i;
    for (int a = 0; idx && a < m; a++)
        for (int b = a + 1; b < m; b++)
            if (pts[idx[b]].area_mm2 < pts[idx[a]].area_mm2) {
                const int t = idx[a];
                idx[a] = idx[b];
                idx[b] = t;
            }
    for (int a = 0; idx && a < m; a++)
        k += (size_t)snprintf(s + k, cap - k, "%g %g\n", pts[idx[a]].area_mm2,
                              pts[idx[a]].latency_us);
    free(idx);
    snprintf(s + k, cap - k,
             "EOD\nplot $all using 1:2 with points pt 7 ps 0.8 lc rgb '#4477aa' title "
             "'configurations', \\\n  $all using 1:2:3 with labels offset 0,0.8 font ',8' "
             "notitle, \\\n  $front using 1:2 with linespoints lw 2 pt 6 ps 1.5 lc rgb "
             "'#cc3311' title 'Pareto front'\n");
    an_status st = an_plot_svg(s, svg);
    free(s);
    return st;
}
