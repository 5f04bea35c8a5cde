/*
** Where asicnn's own files are (configs/, hw/, models/): the current
** directory when it holds them (a checkout), else beside the executable
** (PREFIX/share/asicnn for an installed bin/asicnn, the source tree for a
** build directory inside it), else the source tree it was built from. Chip
** names resolve to configs/NAME.json the same way, so `--chip test4x4`
** works from any directory.
*/
#include "cli.h"

#include <limits.h>
#include <stdio.h>
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

int cli_find_file(const char *rel, char *out, size_t cap) {
    char dir[PATH_MAX];
    exe_dir(dir, sizeof dir);
    const char *roots[] = {".", dir, dir, ASICNN_SOURCE_DIR};
    const char *under[] = {"", "/../share/asicnn", "/..", ""};
    for (int k = 0; k < 4; k++) {
        if (!roots[k][0]) continue;
        const int n = snprintf(out, cap, "%s%s/%s", roots[k], under[k], rel);
        if (n > 0 && (size_t)n < cap && access(out, R_OK) == 0) {
            if (k == 0) snprintf(out, cap, "%s", rel);
            return 1;
        }
    }
    snprintf(out, cap, "%s", rel);
    return 0;
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
