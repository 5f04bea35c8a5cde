/*
** The report's charts of results: the comparison (latency and energy per
** image, log scale, each bar marked measured or modelled), float vs int8
** accuracy, the int8 confusion matrix, and the training curves from the
** per-epoch log `asicnn train` writes beside the checkpoint.
*/
#include "report_internal.h"

#include <stdlib.h>

#define SVG_HEAD RP_SVG_HEAD(720, 400)

an_status an_chart_compare(const an_cmp *c, char **svg) {
    an_buf b = {0};
    an_buf_printf(&b, SVG_HEAD "set multiplot layout 1,2 title 'Per image at batch 1 (log scale; "
                               "M = measured, m = modelled)'\n"
                               "set style fill solid 0.8\nset boxwidth 0.6\nset logscale y\n"
                               "set xtics rotate by -30 font ',9'\nset grid ytics\nunset key\n"
                               "$d << EOD\n");
    for (int i = 0; i < c->n; i++) {
        char name[sizeof c->rows[i].target + 8];
        snprintf(name, sizeof name, "%s (%c)", c->rows[i].target, c->rows[i].measured ? 'M' : 'm');
        rp_gp_field(&b, name);
        an_buf_printf(&b, " %g %g %d\n", c->rows[i].latency_us, c->rows[i].energy_uj,
                      c->rows[i].measured);
    }
    an_buf_printf(
        &b, "EOD\nset title 'latency (us)'\n"
            "plot $d using 0:2:($4 > 0 ? 0x4477aa : 0xee7733):xtic(1) with boxes lc rgb variable\n"
            "set title 'energy (uJ)'\n"
            "plot $d using 0:3:($4 > 0 ? 0x4477aa : 0xee7733):xtic(1) with boxes lc rgb variable\n"
            "unset multiplot\n");
    return rp_plot(&b, svg);
}

an_status an_chart_accuracy(double float_pct, double int8_pct, char **svg) {
    an_buf b = {0};
    an_buf_printf(&b,
                  SVG_HEAD "set title 'Test accuracy: float vs int8'\nset style fill solid 0.8\n"
                           "set boxwidth 0.5\nset yrange [0:105]\nunset key\nset grid ytics\n"
                           "$d << EOD\n\"float32\" %g\n\"int8\" %g\nEOD\n"
                           "plot $d using 0:2:xtic(1) with boxes lc rgb '#228833', "
                           "$d using 0:2:(sprintf('%%.2f%%%%', $2)) with labels offset 0,1\n",
                  float_pct < 0 ? 0 : float_pct, int8_pct);
    return rp_plot(&b, svg);
}

an_status an_chart_confusion(const int64_t *conf, int classes, char **svg) {
    an_buf b = {0};
    an_buf_printf(&b,
                  SVG_HEAD "set title 'int8 confusion matrix (rows: true, columns: predicted)'\n"
                           "set xlabel 'predicted'\nset ylabel 'true'\n"
                           "set palette defined (0 'white', 1 '#4477aa')\nset cbrange [0:1]\n"
                           "unset colorbox\nset xtics 1\nset ytics 1\nunset key\n"
                           "set xrange [-0.5:%g]\nset yrange [%g:-0.5]\n$d << EOD\n",
                  classes - 0.5, classes - 0.5);
    for (int t = 0; t < classes; t++) {
        int64_t row = 0;
        for (int p = 0; p < classes; p++) row += conf[t * classes + p];
        for (int p = 0; p < classes; p++)
            an_buf_printf(&b, "%d %d %g %lld\n", p, t,
                          row ? (double)conf[t * classes + p] / (double)row : 0.0,
                          (long long)conf[t * classes + p]);
    }
    /* one filled square per cell: `with image` alone is a bitmap the browser
    ** scales up with smoothing, which blurs the cells */
    an_buf_printf(&b, "EOD\nplot $d using 1:2:3 with image pixels, "
                      "$d using 1:2:(stringcolumn(4)) with labels font ',8'\n");
    return rp_plot(&b, svg);
}

an_status an_chart_training(const char *log_csv, char **svg) {
    FILE *f = fopen(log_csv, "r");
    if (!f) return an_fail(AN_ERR_IO, "%s: no training log", log_csv);
    an_buf b = {0};
    an_buf_printf(&b, SVG_HEAD "set multiplot layout 1,2 title 'Training (per epoch)'\n"
                               "set xlabel 'epoch'\nset grid\nset key bottom right\n$d << EOD\n");
    char line[512];
    int rows = 0;
    long first = 0, last = 0; /* epochs (a resumed run's log starts past 1) */
    while (fgets(line, sizeof line, f))
        if (line[0] >= '0' && line[0] <= '9') {
            const long e = strtol(line, NULL, 10);
            first = rows && first < e ? first : e;
            last = rows && last > e ? last : e;
            for (char *p = line; *p; p++)
                if (*p == ',') *p = ' ';
            an_buf_printf(&b, "%s", line);
            rows++;
        }
    fclose(f);
    /* Whole epochs, half an epoch of margin: gnuplot's own range for one
    ** epoch is 0.99..1.01, and for a few it ticks at halves. Values keep a
    ** margin too (one epoch's points would sit on the frame). */
    const long step = (last - first + 9) / 10 > 1 ? (last - first + 9) / 10 : 1;
    an_buf_printf(&b,
                  "EOD\nset xrange [%g:%g]\nset xtics %ld, %ld\n"
                  "set offsets 0, 0, graph 0.05, graph 0.05\n",
                  (double)first - 0.5, (double)last + 0.5, first, step);
    an_buf_printf(&b, "set title 'loss'\nset key top right\n"
                      "plot $d using 1:2 with linespoints title 'train', "
                      "$d using 1:($4 >= 0 ? $4 : 1/0) with linespoints title 'validation'\n"
                      "set title 'accuracy'\nset key bottom right\n"
                      "plot $d using 1:3 with linespoints title 'train', "
                      "$d using 1:($5 >= 0 ? $5 : 1/0) with linespoints title 'validation'\n"
                      "unset multiplot\n");
    if (!rows) {
        an_buf_free(&b);
        return an_fail(AN_ERR_FORMAT, "%s: no epochs in the training log", log_csv);
    }
    return rp_plot(&b, svg);
}
