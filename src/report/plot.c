/*
** Charts: a gnuplot script (which sets an svg terminal and plots to
** stdout) is written to a temporary file, gnuplot runs it, and the SVG
** text comes back in memory for inlining into the HTML report.
*/
#include "asicnn/report.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int an_plot_available(void) {
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

an_status an_plot_svg(const char *script, char **svg) {
    *svg = NULL;
    if (!an_plot_available())
        return an_fail(AN_ERR_UNSUPPORTED,
                       "gnuplot is not installed (apt-get install gnuplot-nox)");
    char path[] = "/tmp/asicnn-plot-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) return an_fail(AN_ERR_IO, "cannot create a temporary gnuplot script");
    const size_t n = strlen(script);
    const int ok = write(fd, script, n) == (ssize_t)n;
    close(fd);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "gnuplot %s 2>/dev/null", path);
    FILE *p = ok ? popen(cmd, "r") : NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = p ? malloc(cap) : NULL;
    while (buf) {
        if (len + 4096 > cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        const size_t r = fread(buf + len, 1, 4096, p);
        len += r;
        if (!r) break;
    }
    const int rc = p ? pclose(p) : -1;
    unlink(path);
    if (!buf || rc != 0 || len < 20) {
        free(buf);
        return an_fail(AN_ERR_IO, "gnuplot failed on a chart script (exit %d)",
                       rc > 0 && WIFEXITED(rc) ? WEXITSTATUS(rc) : rc);
    }
    buf[len] = 0;
    const char *start = strstr(buf, "<svg");
    if (!start) {
        free(buf);
        return an_fail(AN_ERR_FORMAT, "gnuplot wrote no SVG");
    }
    memmove(buf, start, strlen(start) + 1);
    *svg = buf;
    return AN_OK;
}
