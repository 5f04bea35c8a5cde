/*
** asicnn core: status codes, arena allocation, the tensor descriptor,
** seeded RNG, CRC32, little-endian bytes, a text buffer, atomic file writes
** and a progress bar.
**
** Contract
** - Every fallible library function returns an an_status. On failure it has
**   recorded a one-line message (naming the file, line, node or field) with
**   an_fail(); the caller reads it with an_errmsg(). The message is per thread.
** - Library code never prints and never exits; only the CLI does.
** - Files are written through an_afile: a temporary file beside the target,
**   fsync, then rename, so a crash never leaves half a file behind.
*/
#ifndef ASICNN_CORE_H
#define ASICNN_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */

typedef enum an_status {
    AN_OK = 0,
    AN_ERR_USAGE,       /* bad flag or argument */
    AN_ERR_IO,          /* open/read/write/rename failed */
    AN_ERR_FORMAT,      /* malformed input file */
    AN_ERR_NOMEM,       /* allocation failed or size overflow */
    AN_ERR_UNSUPPORTED, /* valid input that asicnn cannot handle */
    AN_ERR_RANGE,       /* value out of its allowed range */
    AN_ERR_INTERNAL,    /* a bug in asicnn */
    AN_STATUS_COUNT
} an_status;

/* Short name of a status ("format error", ...). */
const char *an_status_name(an_status s);

/* Record a printf-style message for the calling thread and return s. */
an_status an_fail(an_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message recorded by an_fail on this thread ("" when none). */
const char *an_errmsg(void);

/* Prefix the current message with "prefix: " (adds context on the way up). */
an_status an_fail_context(an_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Process exit code for a status, as documented in docs/cli.md:
** 0 ok, 1 usage, 2 input error (io/format/range/unsupported), 3 out of memory,
** 4 internal error. */
int an_status_exit_code(an_status s);

/* ------------------------------------------------------------------------ */
/* Checked allocation helpers                                               */

/* a*b with overflow detection; returns 0 on overflow. */
int an_mul_size(size_t a, size_t b, size_t *out);

/* malloc(n*size) that fails (AN_ERR_NOMEM, message naming what) on overflow. */
an_status an_alloc_array(void **out, size_t n, size_t size, const char *what);

/* ------------------------------------------------------------------------ */
/* Arena: bump allocation from large blocks, freed all at once.             */

typedef struct an_arena_block an_arena_block;
typedef struct an_arena {
    an_arena_block *head; /* newest block first */
    size_t block_size;    /* default size of a new block */
    size_t used;          /* bytes handed out, for reporting */
} an_arena;

void an_arena_init(an_arena *a, size_t block_size);
/* Zeroed, aligned (align is a power of two <= 64) memory or NULL. */
void *an_arena_alloc(an_arena *a, size_t size, size_t align);
void an_arena_free(an_arena *a);

/* ------------------------------------------------------------------------ */
/* Tensors: the one descriptor that quant, the compiler, the simulator and  */
/* the backends share.                                                      */

/* Element types. AN_I8 is 0, so a zeroed descriptor is an int8 tensor. */
typedef enum an_dtype { AN_I8 = 0, AN_I32, AN_F32, AN_DTYPE_COUNT } an_dtype;

extern const char *const AN_DTYPE_NAME[AN_DTYPE_COUNT];
extern const size_t AN_DTYPE_SIZE[AN_DTYPE_COUNT];

/* A tensor: h x w x c elements per sample in HWC order (a vector is
** 1 x 1 x c) of type dtype, with per-tensor quantization parameters,
** real = scale * (q - zero_point) (per-channel weight scales live with the
** layer that owns the weights, an_q_layer), and its placement where it has
** one: in an executable, the DRAM byte address from which its batch samples
** lie back to back. */
typedef struct an_tensor {
    int32_t h, w, c;
    float scale;
    int32_t zero_point;
    an_dtype dtype;
    int64_t dram; /* DRAM placement (an executable's tensors); 0 elsewhere */
} an_tensor;

/* Elements (h*w*c) and bytes of one sample. */
int64_t an_tensor_numel(const an_tensor *t);
int64_t an_tensor_bytes(const an_tensor *t);

/* ------------------------------------------------------------------------ */
/* Seeded RNG (PCG32): the same seed gives the same stream on every machine. */

typedef struct an_rng {
    uint64_t state;
    uint64_t inc;
} an_rng;

void an_rng_seed(an_rng *r, uint64_t seed, uint64_t stream);
uint32_t an_rng_u32(an_rng *r);
/* Uniform in [0, n), unbiased. n > 0. */
uint32_t an_rng_below(an_rng *r, uint32_t n);
/* Uniform float in [0, 1). */
float an_rng_uniform(an_rng *r);
/* Standard normal (Box-Muller). */
float an_rng_normal(an_rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
void an_rng_shuffle(an_rng *r, int64_t *idx, int64_t n);

/* ------------------------------------------------------------------------ */
/* CRC32 (IEEE 802.3, as zlib and PNG use). Start with crc = 0. */

uint32_t an_crc32(uint32_t crc, const void *buf, size_t n);

/* ------------------------------------------------------------------------ */
/* Little-endian integers of width bytes (1..8) at p, whatever the host.    */

uint64_t an_le_get(const uint8_t *p, int width);
void an_le_put(uint8_t *p, uint64_t v, int width);
/* Readers of a binary format: the value at p + *off, *off moved past it
** (the caller has checked that the bytes are there); an int32 and a float
** (IEEE-754 binary32) are read as the bit patterns of 4-byte integers. */
uint64_t an_le_next(const uint8_t *p, size_t *off, int width);
int32_t an_le_next_i32(const uint8_t *p, size_t *off);
float an_le_next_f32(const uint8_t *p, size_t *off);

/* ------------------------------------------------------------------------ */
/* Text buffer: printf-style appends into a growing string.                 */

/* Start from (an_buf){0}. An allocation failure sets oom and later appends
** do nothing, so the caller checks once; s is NUL-terminated once anything
** is in it. */
typedef struct an_buf {
    char *s;
    size_t len, cap;
    int oom;
} an_buf;

void an_buf_printf(an_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void an_buf_vprintf(an_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append n bytes (any, NULs too: len counts them). */
void an_buf_append(an_buf *b, const void *p, size_t n);
/* The text, which the caller frees (NULL when nothing was written or after
** an allocation failure); b is empty again either way. */
char *an_buf_take(an_buf *b);
void an_buf_free(an_buf *b);

/* ------------------------------------------------------------------------ */
/* Atomic file writes: a temporary file beside the target, fsync, rename.   */

typedef struct an_afile {
    FILE *fp;       /* write through this */
    char *path;     /* final path */
    char *tmp_path; /* temporary path in the same directory */
    int failed;     /* set when a write failed */
    int anon;       /* the temporary is an unnamed O_TMPFILE: a killed process leaves nothing */
} an_afile;

an_status an_afile_open(an_afile *f, const char *path);
/* fwrite that records failure; returns AN_OK or AN_ERR_IO. */
an_status an_afile_write(an_afile *f, const void *buf, size_t n);
/* Flush, fsync, rename over the target. On failure the temporary is removed. */
an_status an_afile_commit(an_afile *f);
/* Discard: close and remove the temporary; the target is untouched. */
void an_afile_abort(an_afile *f);

/* Checksummed little-endian writer over an_afile, for the project's binary
** formats (checkpoints, .q8): every byte goes into a running CRC32, the first
** failure sticks (later calls do nothing), and an_cw_finish appends the CRC
** and commits the file, or removes it when anything failed. */
typedef struct an_cwriter {
    an_afile f;
    an_buf *mem;  /* an_cw_open_mem: the bytes go here, not to a file */
    uint32_t crc; /* CRC32 of every byte written so far */
    an_status s;  /* first failure */
} an_cwriter;

an_status an_cw_open(an_cwriter *w, const char *path);
/* The same bytes (CRC included) appended to mem instead of a file. */
void an_cw_open_mem(an_cwriter *w, an_buf *mem);
void an_cw_bytes(an_cwriter *w, const void *p, size_t n);
void an_cw_u32(an_cwriter *w, uint32_t v);
void an_cw_u64(an_cwriter *w, uint64_t v);
void an_cw_i32s(an_cwriter *w, const int32_t *v, int64_t n);
void an_cw_f32s(an_cwriter *w, const float *v, int64_t n);
an_status an_cw_finish(an_cwriter *w);

/* Read a whole file into a malloc'd buffer (NUL-terminated, so text can be
** used as a string). A file larger than max bytes is an error. */
an_status an_read_file(const char *path, size_t max, char **buf, size_t *n);

/* ------------------------------------------------------------------------ */
/* Progress: a bar with rate and ETA on a terminal, plain lines otherwise.  */

typedef struct an_progress {
    FILE *out;         /* NULL: silent */
    int tty;           /* draw a redrawn bar instead of lines */
    const char *label; /* e.g. "epoch 1/5" */
    const char *unit;  /* e.g. "img" */
    int64_t total;
    int64_t done;
    double t_start;  /* seconds, monotonic */
    double t_last;   /* last draw */
    int last_decile; /* last plain line printed, in tenths */
} an_progress;

/* Monotonic wall clock in seconds. */
double an_now(void);

void an_progress_start(an_progress *p, FILE *out, const char *label, const char *unit,
                       int64_t total);
/* Advance to done; extra (may be NULL) is appended, e.g. "loss 0.31 acc 0.90". */
void an_progress_update(an_progress *p, int64_t done, const char *extra);
void an_progress_finish(an_progress *p, const char *extra);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_CORE_H */
