/*
** Output paths, checked before the work: a command that will write a file
** fails at once when its folder is missing or not writable (not after an
** hour of training), and a command that makes a folder removes it again
** when it fails, so a failed command leaves nothing behind.
*/
#define _XOPEN_SOURCE 700
#include "cli.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

an_status cli_check_output(const char *path) {
    struct stat st;
    if (!path[0]) return an_fail(AN_ERR_USAGE, "an empty output file name");
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return an_fail(AN_ERR_IO, "%s: is a directory, not a file to write", path);
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return an_fail(AN_ERR_IO, "%s: cannot write: the directory %s does not exist", path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return an_fail(AN_ERR_IO, "%s: cannot write in %s: %s", path, dir, strerror(errno));
    if (access(path, F_OK) == 0 && access(path, W_OK) != 0)
        return an_fail(AN_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return AN_OK;
}

an_status cli_output_dir(const char *dir, char *created, size_t cap) {
    char p[1024];
    created[0] = '\0';
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return an_fail(AN_ERR_IO, "%s: path too long", dir);
    /* each missing component from the top, remembering the first one made */
    for (char *s = p + 1;; s++) {
        const int end = *s == '\0';
        if (*s != '/' && !end) continue;
        *s = '\0';
        if (mkdir(p, 0777) == 0) {
            if (!created[0]) snprintf(created, cap, "%s", p);
        } else if (errno != EEXIST) {
            an_status st = an_fail(AN_ERR_IO, "%s: cannot create the directory %s: %s", dir, p,
                                   strerror(errno));
            cli_remove_created(created);
            created[0] = '\0';
            return st;
        }
        if (end) break;
        *s = '/';
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return an_fail(AN_ERR_IO, "%s: exists and is not a directory", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return an_fail(AN_ERR_IO, "%s: cannot write in it: %s", dir, strerror(errno));
    return AN_OK;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f) {
    (void)st, (void)flag, (void)f;
    remove(path);
    return 0;
}

void cli_remove_created(const char *created) {
    if (created && created[0]) nftw(created, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

an_status cli_write_text(const char *path, const char *text) {
    an_afile f;
    an_status s = an_afile_open(&f, path);
    if (s) return s;
    if ((s = an_afile_write(&f, text, strlen(text)))) {
        an_afile_abort(&f);
        return s;
    }
    return an_afile_commit(&f);
}

const char *cli_s(int64_t n) {
    return n == 1 ? "" : "s";
}
