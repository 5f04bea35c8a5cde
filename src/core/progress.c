/*
** Progress reporting. On a terminal: one redrawn line with a bar, the rate
** and the ETA, at most 10 redraws a second. Otherwise: a plain line at each
** tenth of the work, so logs stay short.
*/

#include "asicnn/core.h"

#include <time.h>
#include <unistd.h>

double an_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void an_progress_start(an_progress *p, FILE *out, const char *label, const char *unit,
                       int64_t total) {
    *p = (an_progress){.out = out, .label = label, .unit = unit, .total = total};
    p->tty = out && isatty(fileno(out));
    p->t_start = p->t_last = an_now();
}

static void fmt_eta(char *buf, size_t n, double s) {
    if (s < 0 || s > 1e7) {
        snprintf(buf, n, "--:--");
        return;
    }
    int t = (int)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%02d:%02d", t / 60, t % 60);
}

static void draw(an_progress *p, const char *extra, int final) {
    double el = an_now() - p->t_start;
    double rate = el > 0 ? (double)p->done / el : 0;
    double frac = p->total > 0 ? (double)p->done / (double)p->total : 1;
    char eta[32];
    fmt_eta(eta, sizeof eta, final ? el : (rate > 0 ? (double)(p->total - p->done) / rate : -1));
    if (p->tty) {
        char bar[31];
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(p->out, "\r\033[K%s [%s] %lld/%lld %.0f %s/s %s %s", p->label, bar,
                (long long)p->done, (long long)p->total, rate, p->unit, eta, extra ? extra : "");
        if (final) fputc('\n', p->out);
    } else {
        fprintf(p->out, "%s %3.0f%% %lld/%lld %.0f %s/s %s %s\n", p->label, 100 * frac,
                (long long)p->done, (long long)p->total, rate, p->unit, eta, extra ? extra : "");
    }
    fflush(p->out);
}

void an_progress_update(an_progress *p, int64_t done, const char *extra) {
    p->done = done;
    if (!p->out) return;
    if (p->tty) {
        double t = an_now();
        if (t - p->t_last < 0.1) return;
        p->t_last = t;
        draw(p, extra, 0);
        return;
    }
    int decile = p->total > 0 ? (int)(10 * done / p->total) : 0;
    if (decile > p->last_decile && decile < 10) {
        p->last_decile = decile;
        draw(p, extra, 0);
    }
}

void an_progress_finish(an_progress *p, const char *extra) {
    p->done = p->total;
    if (p->out) draw(p, extra, 1);
}
