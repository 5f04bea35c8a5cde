/*
** asicnn data module internals, shared by the files of src/data (and the
** fuzz harnesses); not part of the public API.
**
** Contract
** - Readers take whole files into memory (gunzipped when the content starts
**   with the gzip magic 1f 8b) and parse from there: one read, one buffer.
** - A sink writes one output file, plain or gzip (by the ".gz" name), through
**   an_afile: on any failure nothing but the old target remains.
*/
#ifndef ASICNN_DATA_INTERNAL_H
#define ASICNN_DATA_INTERNAL_H

#include "asicnn/data.h"

#include <zlib.h>

/* Largest (decompressed) input file the readers accept: 4 GiB. */
#define AN_DATA_MAX_BYTES ((size_t)1 << 32)

/* ---- gzio.c: whole-file input ---- */

/* 1 when buf starts with the gzip magic bytes. */
int an_data_is_gzip(const uint8_t *buf, size_t n);

/* Decompress a gzip image (one or more members) of n bytes into a malloc'd,
** NUL-terminated buffer. Output larger than max bytes, corrupt or truncated
** data fail with a message naming `name`. */
an_status an_data_gunzip(const uint8_t *in, size_t n, const char *name, size_t max, uint8_t **out,
                         size_t *out_n);

/* Read path whole, gunzipped when its content is gzip. The buffer is
** NUL-terminated and malloc'd; *was_gz (may be NULL) tells which. */
an_status an_data_read_all(const char *path, size_t max, uint8_t **buf, size_t *n, int *was_gz);

/* ---- sink.c: atomic output, plain or gzip ---- */

typedef struct an_data_sink {
    an_afile f;
    int gz;        /* deflate before writing */
    z_stream z;    /* when gz */
    uint8_t *zbuf; /* deflate output chunk */
    an_status s;   /* first failure; later writes are no-ops */
} an_data_sink;

/* Start writing path (gzip when it ends in ".gz"). */
an_status an_data_sink_open(an_data_sink *k, const char *path);
/* Append n bytes; returns the sink's status (the first failure sticks). */
an_status an_data_sink_write(an_data_sink *k, const void *buf, size_t n);
/* Finish the stream and rename the file into place; frees the sink. */
an_status an_data_sink_commit(an_data_sink *k);
/* Drop the temporary file; the target is untouched. Frees the sink. */
void an_data_sink_abort(an_data_sink *k);

/* 1 when s ends with suffix. */
int an_data_ends_with(const char *s, const char *suffix);

/* ---- clean.c: one CSV row into numbers, or the reason it is dropped ---- */

typedef struct an_csv_field {
    const char *s; /* not NUL-terminated; trimmed, quotes removed */
    size_t n;
} an_csv_field;

/* Parse a whole field as a finite or non-finite number (decimal only).
** Returns 1 and sets *v when the field is a number, 0 otherwise. */
int an_csv_parse_number(const char *s, size_t n, double *v);

/* Check one row of nf fields against ncols columns (label at label_col) and
** the options; on success store its features in x and its label in *y and
** return AN_DROP_COUNT. Otherwise return the reason and describe it in
** why (e.g. "field 3 is not a number: 'abc'"). */
int an_csv_clean_row(const an_csv_field *f, int nf, int ncols, int label_col,
                     const an_csv_options *opt, float *x, int32_t *y, char *why, size_t why_n);

/* ---- dataset.c ---- */

/* Set ds->name to "<last path component>[/suffix]", cut to fit. */
void an_data_set_name(an_dataset *ds, const char *path, const char *suffix);

/* Largest label + 1 (0 without labels). */
int an_data_count_classes(const an_dataset *ds);

#endif /* ASICNN_DATA_INTERNAL_H */
