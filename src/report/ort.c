/*
** ONNX Runtime as a peer: the Node driver scripts/ort_run.js (npm
** onnxruntime-node, CPU) spawned with node, inputs and outputs passed as raw
** float32 files in the temporary directory, results read from its plain
** `key value` lines. Nothing here links ONNX Runtime; without node or the
** package every call fails with a message saying what to install.
*/
#include "asicnn/report.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifndef ASICNN_ORT_DRIVER_DEFAULT
#define ASICNN_ORT_DRIVER_DEFAULT "scripts/ort_run.js"
#endif

/* Run `node driver args...`, its stdout and stderr together into out [n]
** (truncated, NUL-terminated). Fails when it cannot start or exits non-zero,
** with the driver's last line as the message. */
static an_status spawn_driver(const an_ort *o, const char *const *args, char *out, size_t n) {
    const char *argv[16];
    int k = 0;
    argv[k++] = o->node;
    argv[k++] = o->driver;
    for (int i = 0; args[i] && k < 15; i++) argv[k++] = args[i];
    argv[k] = NULL;
    int fd[2];
    if (pipe(fd)) return an_fail(AN_ERR_IO, "onnx runtime: pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, o->node, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc) {
        close(fd[0]);
        return an_fail(AN_ERR_IO, "onnx runtime: cannot start %s: %s", o->node, strerror(rc));
    }
    size_t used = 0;
    ssize_t got;
    char sink[4096];
    while ((got = read(fd[0], used + 1 < n ? out + used : sink,
                       used + 1 < n ? n - 1 - used : sizeof sink)) > 0 ||
           (got < 0 && errno == EINTR))
        if (got > 0 && used + 1 < n) used += (size_t)got;
    out[used] = '\0';
    close(fd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        while (used && (out[used - 1] == '\n' || out[used - 1] == ' ')) out[--used] = '\0';
        const char *last = strrchr(out, '\n');
        return an_fail(AN_ERR_IO, "onnx runtime (%s %s %s) failed: %s", o->node, o->driver, args[0],
                       last     ? last + 1
                       : out[0] ? out
                                : "no output");
    }
    return AN_OK;
}

an_status an_ort_open(an_ort *o) {
    memset(o, 0, sizeof *o);
    const char *node = getenv("ASICNN_NODE"), *drv = getenv("ASICNN_ORT_DRIVER");
    snprintf(o->node, sizeof o->node, "%s", node && *node ? node : "node");
    snprintf(o->driver, sizeof o->driver, "%s", drv && *drv ? drv : ASICNN_ORT_DRIVER_DEFAULT);
    if (access(o->driver, R_OK))
        return an_fail(AN_ERR_IO, "onnx runtime: driver %s not found (set ASICNN_ORT_DRIVER)",
                       o->driver);
    char out[2048];
    an_status s = spawn_driver(o, (const char *const[]){"check", NULL}, out, sizeof out);
    if (s) return s;
    const char *v = strstr(out, "ok onnxruntime-node ");
    if (!v) return an_fail(AN_ERR_FORMAT, "onnx runtime: unexpected driver answer '%.200s'", out);
    sscanf(v + 20, "%31s", o->version);
    return AN_OK;
}

/* "64x1x28x28" from dims [nd]. */
static void dims_text(const int64_t *dims, int nd, char *buf, size_t n) {
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < nd && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? "x%lld" : "%lld", (long long)dims[i]);
}

/* A fresh temporary file name (the file exists, empty) into path [n]. */
static an_status temp_path(char *path, size_t n, const char *tag) {
    const char *dir = getenv("TMPDIR");
    snprintf(path, n, "%s/asicnn-ort-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
    int fd = mkstemp(path);
    if (fd < 0)
        return an_fail(AN_ERR_IO, "onnx runtime: cannot create %s: %s", path, strerror(errno));
    close(fd);
    return AN_OK;
}

an_status an_ort_run(const an_ort *o, const char *onnx, const float *x, const int64_t *dims, int nd,
                     int threads, float *y, int64_t ny) {
    int64_t nx = 1;
    for (int i = 0; i < nd; i++) nx *= dims[i];
    char in[512], outp[512], shape[128], th[16], msg[2048];
    an_status s = temp_path(in, sizeof in, "in");
    if (s) return s;
    if ((s = temp_path(outp, sizeof outp, "out"))) {
        unlink(in);
        return s;
    }
    FILE *f = fopen(in, "wb");
    if (!f || fwrite(x, sizeof(float), (size_t)nx, f) != (size_t)nx)
        s = an_fail(AN_ERR_IO, "%s: write failed", in);
    if (f && fclose(f) && !s) s = an_fail(AN_ERR_IO, "%s: write failed", in);
    dims_text(dims, nd, shape, sizeof shape);
    snprintf(th, sizeof th, "%d", threads);
    if (!s)
        s = spawn_driver(o, (const char *const[]){"run", onnx, in, outp, shape, th, NULL}, msg,
                         sizeof msg);
    if (!s && (f = fopen(outp, "rb"))) {
        size_t got = fread(y, sizeof(float), (size_t)ny, f);
        int extra = fgetc(f) != EOF;
        fclose(f);
        if (got != (size_t)ny || extra)
            s = an_fail(AN_ERR_FORMAT, "onnx runtime: %s gave %s %lld outputs for input %s", onnx,
                        extra ? "more than" : "fewer than", (long long)ny, shape);
    } else if (!s) {
        s = an_fail(AN_ERR_IO, "onnx runtime: no output from %s", onnx);
    }
    unlink(in);
    unlink(outp);
    return s;
}

an_status an_ort_bench(const an_ort *o, const char *onnx, const int64_t *dims, int nd, int threads,
                       int repeats, double seconds, double *ips, double *call_us) {
    char shape[128], th[16], rp[16], sec[32], out[8192];
    dims_text(dims, nd, shape, sizeof shape);
    snprintf(th, sizeof th, "%d", threads);
    snprintf(rp, sizeof rp, "%d", repeats);
    snprintf(sec, sizeof sec, "%g", seconds);
    an_status s = spawn_driver(o, (const char *const[]){"bench", onnx, shape, th, rp, sec, NULL},
                               out, sizeof out);
    if (s) return s;
    int got = 0;
    *call_us = -1;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        double v;
        if (sscanf(line, "ips %lf", &v) == 1 && got < repeats)
            ips[got++] = v;
        else if (sscanf(line, "call_us %lf", &v) == 1)
            *call_us = v;
    }
    if (got != repeats || *call_us < 0)
        return an_fail(AN_ERR_FORMAT, "onnx runtime: bench of %s gave %d of %d timings", onnx, got,
                       repeats);
    return AN_OK;
}
