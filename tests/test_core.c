/*
** Core module tests: status messages, arena, tensors, RNG, CRC32,
** little-endian bytes, the text buffer, atomic file writes.
*/
#include "asicnn/core.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

TestSuite(status, .fini = leakcheck);
TestSuite(arena, .fini = leakcheck);
TestSuite(tensor, .fini = leakcheck);
TestSuite(rng, .fini = leakcheck);
TestSuite(crc, .fini = leakcheck);
TestSuite(bytes, .fini = leakcheck);
TestSuite(textbuf, .fini = leakcheck);
TestSuite(afile, .fini = leakcheck);

Test(status, message_and_context) {
    an_status s = an_fail(AN_ERR_FORMAT, "x.idx: bad magic 0x%04x", 0x1234);
    cr_assert_eq(s, AN_ERR_FORMAT);
    cr_assert_str_eq(an_errmsg(), "x.idx: bad magic 0x1234");
    an_fail_context(s, "loading %s", "train");
    cr_assert_str_eq(an_errmsg(), "loading train: x.idx: bad magic 0x1234");
    cr_assert_eq(an_status_exit_code(AN_OK), 0);
    cr_assert_eq(an_status_exit_code(AN_ERR_USAGE), 1);
    cr_assert_eq(an_status_exit_code(AN_ERR_FORMAT), 2);
    cr_assert_str_eq(an_status_name(AN_ERR_IO), "i/o error");
}

Test(status, alloc_overflow_is_an_error) {
    void *p = (void *)1;
    cr_assert_eq(an_alloc_array(&p, SIZE_MAX / 2, 4, "images"), AN_ERR_NOMEM);
    cr_assert_null(p);
    cr_assert(strstr(an_errmsg(), "images") != NULL);
}

Test(arena, aligned_zeroed_and_grows) {
    an_arena a;
    an_arena_init(&a, 256);
    unsigned char *p = an_arena_alloc(&a, 100, 64);
    cr_assert_not_null(p);
    cr_assert_eq((uintptr_t)p % 64, 0);
    for (int i = 0; i < 100; i++) cr_assert_eq(p[i], 0);
    memset(p, 0xab, 100);
    unsigned char *q = an_arena_alloc(&a, 1000, 16); /* larger than a block */
    cr_assert_not_null(q);
    cr_assert_eq((uintptr_t)q % 16, 0);
    cr_assert_eq(p[99], 0xab);
    cr_assert_null(an_arena_alloc(&a, 8, 3)); /* not a power of two */
    an_arena_free(&a);
}

Test(tensor, sizes) {
    an_tensor t = {.h = 28, .w = 28, .c = 1};
    cr_assert_eq(t.dtype, AN_I8, "a zeroed descriptor is int8");
    cr_assert_eq(an_tensor_numel(&t), 784);
    cr_assert_eq(an_tensor_bytes(&t), 784);
    t.dtype = AN_I32;
    cr_assert_eq(an_tensor_bytes(&t), 784 * 4);
    cr_assert_str_eq(AN_DTYPE_NAME[t.dtype], "int32");
    t = (an_tensor){.h = 65536, .w = 65536, .c = 65536, .dtype = AN_F32};
    cr_assert_eq(an_tensor_bytes(&t), (int64_t)1 << 50, "no 32-bit overflow");
}

Test(rng, deterministic_and_in_range) {
    an_rng a, b, c;
    an_rng_seed(&a, 42, 54);
    an_rng_seed(&b, 42, 54);
    an_rng_seed(&c, 43, 54);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = an_rng_u32(&a), y = an_rng_u32(&b), z = an_rng_u32(&c);
        cr_assert_eq(x, y);
        differ += x != z;
    }
    cr_assert_gt(differ, 990);
    /* pcg32 reference stream (pcg32-demo, seed 42, stream 54): first output */
    an_rng_seed(&a, 42, 54);
    cr_assert_eq(an_rng_u32(&a), 0xa15c02b7u);
    double sum = 0, sq = 0;
    for (int i = 0; i < 100000; i++) {
        float u = an_rng_uniform(&a);
        cr_assert(u >= 0.0f && u < 1.0f);
        cr_assert_lt(an_rng_below(&a, 7), 7u);
        float g = an_rng_normal(&a);
        sum += g;
        sq += (double)g * g;
    }
    cr_assert_lt(sum / 100000 < 0 ? -sum / 100000 : sum / 100000, 0.02);
    cr_assert_lt(sq / 100000 > 1 ? sq / 100000 - 1 : 1 - sq / 100000, 0.03);
}

Test(rng, shuffle_is_permutation) {
    an_rng r;
    an_rng_seed(&r, 7, 0);
    int64_t idx[100];
    int seen[100] = {0};
    for (int i = 0; i < 100; i++) idx[i] = i;
    an_rng_shuffle(&r, idx, 100);
    int moved = 0;
    for (int i = 0; i < 100; i++) {
        seen[idx[i]]++;
        moved += idx[i] != i;
    }
    for (int i = 0; i < 100; i++) cr_assert_eq(seen[i], 1);
    cr_assert_gt(moved, 80);
}

Test(crc, known_vector) {
    cr_assert_eq(an_crc32(0, "123456789", 9), 0xCBF43926u);
    uint32_t c = an_crc32(0, "1234", 4);
    cr_assert_eq(an_crc32(c, "56789", 5), 0xCBF43926u);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

Test(bytes, little_endian_whatever_the_host) {
    uint8_t b[8];
    an_le_put(b, UINT64_C(0x0123456789abcdef), 8);
    const uint8_t want[8] = {0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};
    cr_assert_arr_eq(b, want, 8);
    cr_assert_eq(an_le_get(b, 8), UINT64_C(0x0123456789abcdef));
    cr_assert_eq(an_le_get(b, 4), UINT64_C(0x89abcdef));
    cr_assert_eq(an_le_get(b + 6, 2), UINT64_C(0x0123));
    memset(b, 0xaa, sizeof b);
    an_le_put(b, (uint32_t)-2, 4); /* writes exactly width bytes */
    cr_assert_eq(an_le_get(b, 4), UINT64_C(0xfffffffe));
    cr_assert_eq(b[4], 0xaa);
}

Test(bytes, readers_move_past_what_they_read) {
    uint8_t b[16];
    size_t off = 0;
    an_le_put(b, 0x0102, 2);
    an_le_put(b + 2, (uint32_t)-7, 4);
    const float f = -1.5f;
    uint32_t u;
    memcpy(&u, &f, 4);
    an_le_put(b + 6, u, 4);
    an_le_put(b + 10, UINT64_C(0x0a0b0c0d0e0f), 6);
    cr_assert_eq(an_le_next(b, &off, 2), 0x0102);
    cr_assert_eq(off, 2);
    cr_assert_eq(an_le_next_i32(b, &off), -7);
    cr_assert_eq(an_le_next_f32(b, &off), -1.5f);
    cr_assert_eq(an_le_next(b, &off, 6), UINT64_C(0x0a0b0c0d0e0f));
    cr_assert_eq(off, 16);
}

Test(textbuf, appends_grow_and_take_hands_over) {
    an_buf b = {0};
    cr_assert_null(an_buf_take(&b), "nothing written: no text");
    for (int i = 0; i < 1000; i++) an_buf_printf(&b, "%d,", i); /* past the first 4 KiB */
    cr_assert_eq(b.oom, 0);
    cr_assert_eq(b.len, strlen(b.s));
    cr_assert(strncmp(b.s, "0,1,2,", 6) == 0);
    cr_assert(strcmp(b.s + b.len - 4, "999,") == 0);
    const size_t len = b.len;
    char *s = an_buf_take(&b);
    cr_assert_eq(strlen(s), len);
    cr_assert_null(b.s, "take empties the buffer");
    free(s);
    an_buf_printf(&b, "%s", "");
    cr_assert_str_eq(b.s, "", "an empty append still gives a string");
    b.oom = 1; /* as after a failed allocation: appends stop, take gives nothing */
    an_buf_printf(&b, "lost");
    cr_assert_str_eq(b.s, "");
    cr_assert_null(an_buf_take(&b));
    cr_assert_null(b.s);
}

Test(textbuf, byte_appends_keep_nuls) {
    an_buf b = {0};
    static const char bytes[3] = {'a', 0, 'b'};
    for (int i = 0; i < 2000; i++) an_buf_append(&b, bytes, 3); /* past the first 4 KiB */
    cr_assert_eq(b.oom, 0);
    cr_assert_eq(b.len, 6000);
    cr_assert_eq(memcmp(b.s + 5997, bytes, 3), 0);
    cr_assert_eq(b.s[b.len], 0, "still terminated");
    an_buf_printf(&b, "%d", 7);
    cr_assert_str_eq(b.s + 6000, "7");
    an_buf_free(&b);
}

Test(afile, commit_replaces_abort_keeps) {
    char dir[] = "/tmp/asicnn-afile-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof path, "%s/out.bin", dir);
    an_afile f;
    cr_assert_eq(an_afile_open(&f, path), AN_OK);
    cr_assert_eq(an_afile_write(&f, "first", 5), AN_OK);
    cr_assert_null(slurp(path)); /* nothing at the target before commit */
    cr_assert_eq(an_afile_commit(&f), AN_OK);
    cr_assert_str_eq(slurp(path), "first");

    cr_assert_eq(an_afile_open(&f, path), AN_OK);
    an_afile_write(&f, "second", 6);
    an_afile_abort(&f);
    cr_assert_str_eq(slurp(path), "first");
    unlink(path);
    cr_assert_eq(rmdir(dir), 0, "a temporary file was left behind");

    cr_assert_eq(an_afile_open(&f, "/nonexistent-dir/x.bin"), AN_ERR_IO);
    cr_assert(strstr(an_errmsg(), "/nonexistent-dir/x.bin") != NULL);
}

/* Create an empty file dir/name. */
static void touch(const char *dir, const char *name) {
    char p[400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fclose(f);
}

static int exists(const char *dir, const char *name) {
    char p[400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

Test(afile, stale_temporaries_of_dead_processes_removed) {
    char dir[] = "/tmp/asicnn-afile-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    const pid_t child = fork(); /* a pid that is dead once reaped */
    if (child == 0) _exit(0);
    cr_assert_gt(child, 0);
    waitpid(child, NULL, 0);
    char dead[64], alive[64];
    snprintf(dead, sizeof dead, "out.bin.tmp.%d.3", (int)child);
    snprintf(alive, sizeof alive, "out.bin.tmp.%d.0", (int)getpid());
    touch(dir, dead);
    touch(dir, alive);
    touch(dir, "out.bin.tmp.Ab12cd"); /* not ours to judge */
    touch(dir, "other.bin.tmp.1.0");
    char path[300];
    snprintf(path, sizeof path, "%s/out.bin", dir);
    an_afile f;
    cr_assert_eq(an_afile_open(&f, path), AN_OK);
    cr_assert_eq(an_afile_write(&f, "x", 1), AN_OK);
    cr_assert_eq(an_afile_commit(&f), AN_OK);
    cr_assert_not(exists(dir, dead), "the dead process's temporary was kept");
    cr_assert(exists(dir, alive) && exists(dir, "out.bin.tmp.Ab12cd") &&
              exists(dir, "other.bin.tmp.1.0"));
    const char *left[] = {alive, "out.bin.tmp.Ab12cd", "other.bin.tmp.1.0", "out.bin"};
    for (int i = 0; i < 4; i++) {
        char p[400];
        snprintf(p, sizeof p, "%s/%s", dir, left[i]);
        unlink(p);
    }
    cr_assert_eq(rmdir(dir), 0);
}

Test(afile, checksummed_little_endian_writer) {
    char path[] = "/tmp/asicnn-cw-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    an_cwriter w;
    cr_assert_eq(an_cw_open(&w, path), AN_OK);
    an_cw_u32(&w, 0x01020304u);
    an_cw_u64(&w, 0x0a0b0c0d0e0f1011ull);
    float f = 1.0f;
    an_cw_f32s(&w, &f, 1);
    int32_t i = -2;
    an_cw_i32s(&w, &i, 1);
    cr_assert_eq(an_cw_finish(&w), AN_OK);
    char *buf;
    size_t n;
    cr_assert_eq(an_read_file(path, 1024, &buf, &n), AN_OK);
    static const unsigned char want[20] = {4,    3,    2, 1, 0x11, 0x10, 0x0f, 0x0e, 0x0d, 0x0c,
                                           0x0b, 0x0a, 0, 0, 0x80, 0x3f, 0xfe, 0xff, 0xff, 0xff};
    cr_assert_eq(n, 24);
    cr_assert_eq(memcmp(buf, want, 20), 0);
    uint32_t crc = an_crc32(0, want, 20);
    cr_assert_eq(memcmp(buf + 20, &crc, 4), 0); /* little-endian host */
    /* the same writes into memory give the same bytes */
    an_buf mem = {0};
    an_cw_open_mem(&w, &mem);
    an_cw_u32(&w, 0x01020304u);
    an_cw_u64(&w, 0x0a0b0c0d0e0f1011ull);
    an_cw_f32s(&w, &f, 1);
    an_cw_i32s(&w, &i, 1);
    cr_assert_eq(an_cw_finish(&w), AN_OK);
    cr_assert_eq(mem.len, 24);
    cr_assert_eq(memcmp(mem.s, buf, 24), 0);
    an_buf_free(&mem);
    free(buf);
    unlink(path);
}
