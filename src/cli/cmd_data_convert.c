/*
** asicnn data convert IN OUT: read any input form, optionally shuffle,
** normalise and split, and write CSV, an IDX pair or a directory of IDX
** pairs in the MNIST naming. All files are written atomically by the
** library, so a failed convert leaves no partial file behind.
*/
#include "cmd_data.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Where OUT points. */
typedef enum out_form { OUT_CSV, OUT_IDX_PAIR, OUT_DIR, OUT_UNKNOWN } out_form;

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* By name: CSV, an IDX pair; a directory when it is one, ends in '/', or
** any other name when --split asks for a directory. */
static out_form output_form(const char *out, int split) {
    struct stat st;
    if (ends_with(out, ".csv") || ends_with(out, ".csv.gz")) return OUT_CSV;
    if (strstr(out, "images-idx3")) return OUT_IDX_PAIR;
    if (ends_with(out, "/") || (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) || split)
        return OUT_DIR;
    return OUT_UNKNOWN;
}

/* Write one IDX pair named by its images path; prints what it wrote. */
static an_status write_pair(const an_dataset *ds, const char *images) {
    char labels[4096];
    const char *at = strstr(images, "images-idx3");
    if (snprintf(labels, sizeof labels, "%.*slabels-idx1%s", (int)(at - images), images,
                 at + strlen("images-idx3")) >= (int)sizeof labels)
        return an_fail(AN_ERR_USAGE, "%s: path too long", images);
    an_status s = an_data_write_idx(ds, images, labels);
    if (!s)
        printf("wrote %s and %s (%lld sample%s)\n", images, labels, (long long)ds->n, cli_s(ds->n));
    return s;
}

/* dir/<prefix>-images-idx3-ubyte.gz and its labels. */
static an_status write_dir_pair(const an_dataset *ds, const char *dir, const char *prefix) {
    char images[4096];
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    if (snprintf(images, sizeof images, "%.*s/%s-images-idx3-ubyte.gz", (int)n, dir, prefix) >=
        (int)sizeof images)
        return an_fail(AN_ERR_USAGE, "%s: path too long", dir);
    return write_pair(ds, images);
}

/* Create OUT when it names a directory that does not exist yet. */
static an_status ensure_dir(const char *dir) {
    if (mkdir(dir, 0755) == 0 || errno == EEXIST) return AN_OK;
    return an_fail(AN_ERR_IO, "%s: cannot create directory: %s", dir, strerror(errno));
}

/* Shuffle, fit the normalisation on the train part, apply it to all. */
static an_status prepare(an_dataset *ds, const data_opts *o) {
    an_status s = AN_OK;
    if (!o->no_shuffle && (o->have_seed || o->n_first)) s = an_data_shuffle(ds, o->seed);
    if (s || o->norm == AN_NORM_NONE) return s;
    an_dataset train;
    an_norm norm;
    int64_t fit_n = o->n_first ? o->n_first : ds->n;
    if ((s = an_data_slice(ds, 0, fit_n, &train))) return s;
    s = an_norm_fit(&train, o->norm, &norm);
    an_dataset_free(&train);
    if (!s) s = an_norm_apply(&norm, ds);
    an_norm_free(&norm);
    return s;
}

/* Write ds to a directory: all to train-*, or split into train-* / t10k-*. */
static an_status write_dir(const an_dataset *ds, const char *dir, int64_t n_first) {
    an_status s = ensure_dir(dir);
    if (s || !n_first) return s ? s : write_dir_pair(ds, dir, "train");
    an_dataset train, test;
    if ((s = an_data_split(ds, n_first, &train, &test))) return s;
    s = write_dir_pair(&train, dir, "train");
    if (!s) s = write_dir_pair(&test, dir, "t10k");
    an_dataset_free(&train);
    an_dataset_free(&test);
    return s;
}

int cmd_data_convert(const data_opts *o) {
    if (o->npos != 2) return cli_usage(o->sub, "needs IN and OUT");
    const char *in = o->pos[0], *out = o->pos[1];
    out_form form = output_form(out, o->n_first != 0);
    if (form == OUT_UNKNOWN)
        return cli_usage(o->sub,
                         "cannot tell what to write to '%s': name it *.csv[.gz], "
                         "*-images-idx3-ubyte[.gz] or a directory",
                         out);
    if (o->n_first && form != OUT_DIR) return cli_usage(o->sub, "--split needs a directory as OUT");
    an_dataset ds;
    an_clean_report r;
    an_status s = data_load(in, o, &ds, &r);
    if (s) return cli_error(s);
    if (r.rows_read > r.rows_kept) {
        char why[512];
        an_clean_report_text(&r, why, sizeof why);
        fprintf(stderr, "asicnn: %s: kept %lld of %lld rows; dropped %s\n", in,
                (long long)r.rows_kept, (long long)r.rows_read, why);
    }
    if (o->n_first >= ds.n)
        s = an_fail(AN_ERR_RANGE, "%s: --split %lld leaves nothing for t10k: it holds %lld samples",
                    in, (long long)o->n_first, (long long)ds.n);
    if (!s) s = prepare(&ds, o);
    if (!s && form == OUT_CSV) {
        s = an_data_write_csv(&ds, out);
        if (!s) printf("wrote %s (%lld sample%s)\n", out, (long long)ds.n, cli_s(ds.n));
    } else if (!s && form == OUT_IDX_PAIR) {
        s = write_pair(&ds, out);
    } else if (!s) {
        s = write_dir(&ds, out, o->n_first);
    }
    an_dataset_free(&ds);
    return s ? cli_error(s) : 0;
}
