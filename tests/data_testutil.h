/*
** Helpers for the data module tests (tests/test_data_*.c): a scratch
** directory per test, writing plain and gzip files into it, reading files
** back, and IDX headers. Test-only code; header-only so that each test
** program stays one file.
*/
#ifndef ASICNN_DATA_TESTUTIL_H
#define ASICNN_DATA_TESTUTIL_H

#include "asicnn/data.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "leakcheck.h"

#define FIXTURES ASICNN_TEST_DIR "/fixtures/data"

/* The scratch directory of the running test, made by tu_setup. */
static char tu_dir[64];

static inline void tu_setup(void) {
    snprintf(tu_dir, sizeof tu_dir, "/tmp/asicnn-test-XXXXXX");
    cr_assert_not_null(mkdtemp(tu_dir));
}

/* Number of entries in the scratch directory (temporaries included). */
static inline int tu_count_files(void) {
    DIR *d = opendir(tu_dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

/* Remove the scratch directory and the (flat) files in it; under ASan,
** fail the test when it leaked (LeakSanitizer alone would only print). */
static inline void tu_teardown(void) {
    leakcheck();
    DIR *d = opendir(tu_dir);
    char p[512];
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", tu_dir, e->d_name);
        if (unlink(p) != 0) rmdir(p);
    }
    if (d) closedir(d);
    rmdir(tu_dir);
}

/* Path of name inside the scratch directory, in one of 64 static slots
** used in turn (enough for any one test). */
static inline const char *tu_path(const char *name) {
    static char buf[64][512];
    static int slot;
    char *p = buf[slot++ % 64];
    snprintf(p, 512, "%s/%s", tu_dir, name);
    return p;
}

/* Write n bytes to name in the scratch directory, gzip when gz; returns
** the path. */
static inline const char *tu_write(const char *name, const void *buf, size_t n, int gz) {
    const char *p = tu_path(name);
    if (gz) {
        gzFile g = gzopen(p, "wb");
        cr_assert_not_null(g);
        cr_assert_eq(gzwrite(g, buf, (unsigned)n), (int)n);
        cr_assert_eq(gzclose(g), Z_OK);
    } else {
        FILE *f = fopen(p, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(buf, 1, n, f), n);
        fclose(f);
    }
    return p;
}

static inline const char *tu_write_text(const char *name, const char *text) {
    return tu_write(name, text, strlen(text), 0);
}

/* Read a whole file (raw bytes); the caller frees. */
static inline uint8_t *tu_read(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)len + 1);
    cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* An IDX header into h (4 + 4*ndim bytes); returns its length. */
static inline size_t tu_idx_header(uint8_t *h, uint8_t type, int ndim, const uint32_t *dim) {
    h[0] = h[1] = 0;
    h[2] = type;
    h[3] = (uint8_t)ndim;
    for (int i = 0; i < ndim; i++) {
        h[4 + 4 * i] = (uint8_t)(dim[i] >> 24);
        h[5 + 4 * i] = (uint8_t)(dim[i] >> 16);
        h[6 + 4 * i] = (uint8_t)(dim[i] >> 8);
        h[7 + 4 * i] = (uint8_t)dim[i];
    }
    return 4 + 4 * (size_t)ndim;
}

/* An u8 IDX file of ndim dims with values (i * 7 + 3) % 256; returns the
** path. */
static inline const char *tu_write_idx_u8(const char *name, int ndim, const uint32_t *dim, int gz) {
    uint8_t buf[1 << 16];
    size_t hl = tu_idx_header(buf, 0x08, ndim, dim), count = 1;
    for (int i = 0; i < ndim; i++) count *= dim[i];
    cr_assert_leq(hl + count, sizeof buf);
    for (size_t i = 0; i < count; i++) buf[hl + i] = (uint8_t)((i * 7 + 3) % 256);
    return tu_write(name, buf, hl + count, gz);
}

/* Assert that the last error message contains every given fragment. */
#define tu_assert_msg(...)                                                                         \
    do {                                                                                           \
        const char *frags_[] = {__VA_ARGS__};                                                      \
        for (size_t i_ = 0; i_ < sizeof frags_ / sizeof frags_[0]; i_++)                           \
            cr_assert(strstr(an_errmsg(), frags_[i_]) != NULL, "message '%s' lacks '%s'",          \
                      an_errmsg(), frags_[i_]);                                                    \
        cr_assert(strchr(an_errmsg(), '\n') == NULL, "message is not one line");                   \
    } while (0)

#endif /* ASICNN_DATA_TESTUTIL_H */
