/*
** Whole-file reads, and atomic file writes: write to a temporary file in the
** target's directory, fflush + fsync, rename over the target, fsync the
** directory. A crash at any point leaves either the old file or the new one,
** never half of one.
**
** Temporaries: where the file system has O_TMPFILE the temporary has no
** name until the commit links it as "<path>.tmp.PID.N" and renames it at
** once, so a process killed while writing leaves nothing behind; elsewhere
** it is "<path>.tmp.PID.N" from the start. A process killed (SIGKILL runs no
** cleanup) while its temporary has a name (elsewhere: while writing; with
** O_TMPFILE: in the two system calls between the link and the rename)
** leaves that name behind: by its PID it is recognisably a dead process's,
** and the next write of the same path removes it.
*/
#define _GNU_SOURCE /* O_TMPFILE, linkat */

#include "asicnn/core.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <libgen.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void afile_release(an_afile *f) {
    free(f->path);
    free(f->tmp_path);
    f->path = f->tmp_path = NULL;
    f->fp = NULL;
}

/* Remove "<path>.tmp.PID.N" files whose process no longer exists. */
static void remove_stale(const char *path) {
    char *d = strdup(path), *b = strdup(path);
    DIR *dir = d && b ? opendir(dirname(d)) : NULL;
    if (dir) {
        const char *base = basename(b);
        const size_t bl = strlen(base);
        struct dirent *e;
        while ((e = readdir(dir))) {
            if (strncmp(e->d_name, base, bl) != 0 || strncmp(e->d_name + bl, ".tmp.", 5) != 0)
                continue;
            char *end;
            const long pid = strtol(e->d_name + bl + 5, &end, 10);
            if (pid <= 0 || *end != '.' || end[1] < '0' || end[1] > '9') continue;
            strtoul(end + 1, &end, 10);
            if (*end == '\0' && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
                unlinkat(dirfd(dir), e->d_name, 0);
        }
        closedir(dir);
    }
    free(d);
    free(b);
}

/* Give the temporary of f a fresh name "<path>.tmp.PID.N" (the form
** remove_stale knows) into f->tmp_path: make(name, arg) creates that name
** (0, or -1 with errno; EEXIST tries the next N). */
static an_status name_temp(an_afile *f, int (*make)(const char *name, void *arg), void *arg,
                           const char *what) {
    static _Atomic unsigned counter;
    const size_t cap = strlen(f->path) + 40;
    for (int tries = 0; tries < 100; tries++) {
        char *name = malloc(cap);
        if (!name) return an_fail(AN_ERR_NOMEM, "%s: out of memory", f->path);
        snprintf(name, cap, "%s.tmp.%d.%u", f->path, (int)getpid(), counter++);
        if (make(name, arg) == 0) {
            free(f->tmp_path);
            f->tmp_path = name;
            return AN_OK;
        }
        const int e = errno;
        free(name);
        if (e != EEXIST) return an_fail(AN_ERR_IO, "%s: cannot %s: %s", f->path, what, strerror(e));
    }
    return an_fail(AN_ERR_IO, "%s: cannot name the temporary file", f->path);
}

/* name_temp's maker for a named temporary: the new file, its descriptor in *arg. */
static int create_named(const char *name, void *arg) {
    int *fd = arg;
    *fd = open(name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    return *fd < 0 ? -1 : 0;
}

/* name_temp's maker for an O_TMPFILE temporary: the link of the file whose
** /proc/self/fd path is arg. */
static int link_proc(const char *name, void *arg) {
    return linkat(AT_FDCWD, arg, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
}

an_status an_afile_open(an_afile *f, const char *path) {
    *f = (an_afile){0}; /* tmp_path: NULL until the temporary has a name */
    f->path = strdup(path);
    if (!f->path) return an_fail(AN_ERR_NOMEM, "%s: out of memory", path);
    remove_stale(path);
    int fd = -1;
#ifdef O_TMPFILE
    char *dir = strdup(path);
    if (dir) fd = open(dirname(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    free(dir);
    f->anon = fd >= 0;
#endif
    if (fd < 0) {
        an_status s = name_temp(f, create_named, &fd, "create file");
        if (s) {
            afile_release(f);
            return s;
        }
    }
    fchmod(fd, 0644);
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        close(fd);
        if (!f->anon) unlink(f->tmp_path);
        afile_release(f);
        return an_fail(AN_ERR_IO, "%s: cannot open stream", path);
    }
    return AN_OK;
}

an_status an_afile_write(an_afile *f, const void *buf, size_t n) {
    if (f->failed) return AN_ERR_IO;
    if (n && fwrite(buf, 1, n, f->fp) != n) {
        f->failed = 1;
        return an_fail(AN_ERR_IO, "%s: write failed: %s", f->path, strerror(errno));
    }
    return AN_OK;
}

/* fsync the directory holding path so the rename itself is durable. */
static void sync_dir(const char *path) {
    char *copy = strdup(path);
    if (!copy) return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

an_status an_afile_commit(an_afile *f) {
    an_status s = AN_OK;
    if (f->failed) s = an_fail(AN_ERR_IO, "%s: an earlier write failed", f->path);
    if (!s && (fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0))
        s = an_fail(AN_ERR_IO, "%s: flush failed: %s", f->path, strerror(errno));
    if (!s && f->anon) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(f->fp));
        /* on failure nothing has a name: nothing to remove */
        s = name_temp(f, link_proc, proc, "link the file");
        if (!s) f->anon = 0; /* named now: renamed, or removed below */
    }
    /* renamed before the close: a linked name lives for two system calls
     * (the data is already on disk; the close cannot lose it) */
    if (!s && rename(f->tmp_path, f->path) != 0)
        s = an_fail(AN_ERR_IO, "%s: rename failed: %s", f->path, strerror(errno));
    if (fclose(f->fp) != 0 && !s)
        s = an_fail(AN_ERR_IO, "%s: close failed: %s", f->path, strerror(errno));
    if (s && !f->anon)
        unlink(f->tmp_path);
    else if (!s)
        sync_dir(f->path);
    afile_release(f);
    return s;
}

void an_afile_abort(an_afile *f) {
    if (f->fp) fclose(f->fp);
    if (f->tmp_path && !f->anon) unlink(f->tmp_path);
    afile_release(f);
}

an_status an_read_file(const char *path, size_t max, char **buf, size_t *n) {
    *buf = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return an_fail(AN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *p = malloc(cap + 1);
    an_status s = p ? AN_OK : an_fail(AN_ERR_NOMEM, "%s: out of memory", path);
    while (!s) {
        if (len == cap) {
            if (cap > max) {
                s = an_fail(AN_ERR_RANGE, "%s: larger than %zu bytes", path, max);
                break;
            }
            char *q = realloc(p, cap * 2 + 1);
            if (!q) {
                s = an_fail(AN_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            p = q;
            cap *= 2;
        }
        size_t got = fread(p + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) s = an_fail(AN_ERR_IO, "%s: read error", path);
            break;
        }
    }
    fclose(f);
    if (!s && len > max) s = an_fail(AN_ERR_RANGE, "%s: larger than %zu bytes", path, max);
    if (s) {
        free(p);
        return s;
    }
    p[len] = '\0';
    *buf = p;
    *n = len;
    return AN_OK;
}
