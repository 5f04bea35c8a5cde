/*
** Where asicnn's own files are (configs/, hw/, models/): the current
** directory when it holds them (a checkout), else beside the executable
** (PREFIX/share/asicnn for an installed bin/asicnn, the source tree for a
** build directory inside it), else the source tree it was built from. Chip
** names resolve to configs/NAME.json the same way, so `--chip test4x4`
** works from any directory. The ONNX Runtime driver (scripts/ort_run.js)
** and its node_modules are looked for beside the executable only.
*/
#define _XOPEN_SOURCE 700 /* realpath */

#include "cli.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ASICNN_SOURCE_DIR
#define ASICNN_SOURCE_DIR ""
#endif

/* The executable's directory, or "" when /proc/self/exe cannot be read. */
static void exe_dir(char *out, size_t cap) {
    char exe[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    out[0] = 0;
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash) *slash = 0;
    snprintf(out, cap, "%s", exe);
}

/* rel under the first root that has it: the current directory (when
** with_cwd), beside the executable (an install's share/asicnn, then the
** tree above a build directory), the source tree built from. */
static int find(const char *rel, int with_cwd, char *out, size_t cap) {
    char dir[PATH_MAX];
    exe_dir(dir, sizeof dir);
    const char *roots[] = {with_cwd ? "." : "", dir, dir, ASICNN_SOURCE_DIR};
    const char *under[] = {"", "/../share/asicnn", "/..", ""};
    for (int k = 0; k < 4; k++) {
        if (!roots[k][0]) continue;
        const int n = snprintf(out, cap, "%s%s/%s", roots[k], under[k], rel);
        if (n > 0 && (size_t)n < cap && access(out, R_OK) == 0) {
            char real[PATH_MAX]; /* PREFIX/share/asicnn/..., not PREFIX/bin/../share/... */
            if (k == 0)
                snprintf(out, cap, "%s", rel);
            else if (realpath(out, real) && strlen(real) < cap)
                snprintf(out, cap, "%s", real);
            return 1;
        }
    }
    snprintf(out, cap, "%s", rel);
    return 0;
}

int cli_find_file(const char *rel, char *out, size_t cap) {
    return find(rel, 1, out, cap);
}

int cli_find_own(const char *rel, char *out, size_t cap) {
    return find(rel, 0, out, cap);
}

void cli_ort_env(void) {
    char path[PATH_MAX];
    const char *drv = getenv("ASICNN_ORT_DRIVER"), *mods = getenv("ASICNN_ORT_MODULES");
    if ((!drv || !*drv) && cli_find_own("scripts/ort_run.js", path, sizeof path))
        setenv("ASICNN_ORT_DRIVER", path, 1);
    if ((!mods || !*mods) && cli_find_own("ort/node_modules/onnxruntime-node", path, sizeof path)) {
        path[strlen(path) - strlen("/onnxruntime-node")] = 0;
        setenv("ASICNN_ORT_MODULES", path, 1);
    }
}

const char *cli_chip_arg(const char *chip) {
    static char ring[4][PATH_MAX]; /* a few chips per command line */
    static int next;
    char *buf = ring[next++ % 4];
    const size_t cap = sizeof ring[0];
    for (int i = 0; AN_NPU_PRESETS[i]; i++)
        if (strcmp(chip, AN_NPU_PRESETS[i]) == 0) return chip;
    if (access(chip, F_OK) == 0 || strchr(chip, '/') || cli_ends_with(chip, ".json")) return chip;
    char rel[256];
    if (snprintf(rel, sizeof rel, "configs/%s.json", chip) >= (int)sizeof rel) return chip;
    return cli_find_file(rel, buf, cap) ? buf : chip;
}
