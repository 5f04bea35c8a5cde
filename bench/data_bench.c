/*
** Data loading speed: the Fashion-MNIST train set (60,000 gzip IDX images
** and labels) loaded through an_data_load, against the floor of the same
** run: zlib inflating the same two files into memory and nothing else.
**
**   data_bench [dir=data/fashion-mnist] [runs=5]
**
** Prints the median and minimum wall and CPU seconds of each over the runs
** and the ratio asicnn / zlib (1.0 = the load costs no more than inflating).
** Not part of the test suite: a loaded machine changes the figures.
*/
#include "asicnn/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

typedef struct timing {
    double wall, cpu;
} timing;

/* Inflate one gzip file to memory and return its length, or -1. */
static long inflate_file(const char *path) {
    gzFile f = gzopen(path, "rb");
    if (!f) return -1;
    static unsigned char buf[1 << 16];
    long total = 0;
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) total += n;
    gzclose(f);
    return n < 0 ? -1 : total;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of n values (sorted in place). */
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* One timed run of the asicnn load (peer = 0) or the zlib floor (peer = 1). */
static int run_once(const char *dir, int peer, timing *t) {
    double w0 = an_now();
    clock_t c0 = clock();
    if (peer) {
        char p[1024];
        snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", dir);
        if (inflate_file(p) < 0) return fprintf(stderr, "data_bench: cannot inflate %s\n", p), 1;
        snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte.gz", dir);
        if (inflate_file(p) < 0) return fprintf(stderr, "data_bench: cannot inflate %s\n", p), 1;
    } else {
        an_dataset ds;
        if (an_data_load(dir, AN_SPLIT_TRAIN, &ds) != AN_OK)
            return fprintf(stderr, "data_bench: %s\n", an_errmsg()), 1;
        an_dataset_free(&ds);
    }
    t->cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    t->wall = an_now() - w0;
    return 0;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "data/fashion-mnist";
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (runs < 1 || runs > 1000) return fprintf(stderr, "data_bench: runs must be 1..1000\n"), 2;
    double wall[2][1000], cpu[2][1000];
    for (int r = 0; r < runs; r++)
        for (int peer = 0; peer < 2; peer++) {
            timing t;
            if (run_once(dir, peer, &t)) return 1;
            wall[peer][r] = t.wall, cpu[peer][r] = t.cpu;
        }
    double mw[2], mc[2];
    printf("%-28s %10s %10s %10s %10s\n", "Fashion-MNIST train", "wall med", "wall min", "cpu med",
           "cpu min");
    for (int peer = 0; peer < 2; peer++) {
        mw[peer] = median(wall[peer], runs), mc[peer] = median(cpu[peer], runs);
        printf("%-28s %9.3fs %9.3fs %9.3fs %9.3fs\n",
               peer ? "zlib inflate only (floor)" : "asicnn an_data_load", mw[peer], wall[peer][0],
               mc[peer], cpu[peer][0]);
    }
    printf("ratio asicnn / zlib floor: %.2fx wall, %.2fx cpu (%d runs)\n", mw[0] / mw[1],
           mc[0] / mc[1], runs);
    return 0;
}
