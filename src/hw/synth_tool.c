/*
** The synthesis driver's tool runner and templates: Yosys and OpenSTA run
** as child processes with their output in a log and a time limit (the whole
** process group is killed past it); the scripts in hw/synth are templates
** whose {NAMES} are filled in.
**
** Contract: returns an_status naming the tool and its log; never prints.
*/
#include "hw_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int hw_on_path(const char *name) {
    const char *p = getenv("PATH");
    char buf[HW_PATHN];
    while (p && *p) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && n + strlen(name) + 2 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, name);
            if (access(buf, X_OK) == 0) return 1;
        }
        p = e ? e + 1 : NULL;
    }
    return 0;
}

void hw_path(char *buf, const char *dir, const char *name) {
    snprintf(buf, HW_PATHN, "%s/%s", dir, name);
}

an_status hw_run_tool(char *const argv[], const char *log, int timeout_s, double *secs) {
    const double t0 = an_now();
    pid_t pid = fork();
    if (pid < 0) return an_fail(AN_ERR_IO, "%s: cannot start: %s", argv[0], strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        FILE *f = freopen(log, "w", stdout);
        if (!f) _exit(126);
        dup2(fileno(stdout), fileno(stderr));
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid);
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return an_fail(AN_ERR_IO, "%s: wait failed", argv[0]);
        if (an_now() - t0 > timeout_s) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return an_fail(AN_ERR_IO, "%s ran past its limit of %d s and was stopped (log: %s)",
                           argv[0], timeout_s, log);
        }
        struct timespec d = {0, 50000000};
        nanosleep(&d, NULL);
    }
    *secs = an_now() - t0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return an_fail(AN_ERR_UNSUPPORTED, "%s could not be run (not installed?)", argv[0]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return an_fail(AN_ERR_IO, "%s failed (exit %d); see %s", argv[0],
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1, log);
    return AN_OK;
}

an_status hw_fill(const char *tpl, const char *path, const hw_subst *sub, int nsub) {
    char *t = NULL;
    size_t n = 0;
    an_status s = an_read_file(tpl, 1 << 20, &t, &n);
    if (s) return s;
    FILE *f = fopen(path, "w");
    if (!f) {
        free(t);
        return an_fail(AN_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    for (const char *p = t; *p;) {
        int hit = 0;
        if (*p == '{')
            for (int i = 0; i < nsub && !hit; i++) {
                size_t k = strlen(sub[i].key);
                if (strncmp(p + 1, sub[i].key, k) == 0 && p[k + 1] == '}') {
                    fputs(sub[i].val, f);
                    p += k + 2;
                    hit = 1;
                }
            }
        if (!hit) fputc(*p++, f);
    }
    free(t);
    return fclose(f) == 0 ? AN_OK : an_fail(AN_ERR_IO, "%s: write failed", path);
}

an_status hw_read_text(const char *path, char **t) {
    size_t n;
    return an_read_file(path, (size_t)1 << 30, t, &n);
}
