/*
** Kernel benchmark: forward and backward time of each layer of the seed CNN
** (28x28x1 -> conv 32 3x3 relu -> maxpool 2 -> conv 64 3x3 relu -> maxpool 2
** -> flatten -> dense 64 relu -> dropout -> dense 10 -> softmax xent) at one
** batch size, and of a whole training step built from them (no optimiser).
**
** Contract
** - Not part of the test suite. Build from the repository root with
**     cc -O2 -fopenmp -Iinclude -Isrc $(pkg-config --cflags openblas)
**        bench/kernel_bench.c src/nn/k_[a-z]*.c src/core/[a-z]*.c
**        $(pkg-config --libs openblas) -lz -lm -o kernel_bench
**   (one command line)
**   and run: kernel_bench [batch=32] [threads=2] [reps=200].
** - Prints, per layer, the median milliseconds of forward and backward over
**   reps runs (after warm-up) and the minimum (robust to other load on the
**   machine), then the same for a whole step.
*/
#include "asicnn/core.h"
#include "nn/kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { L_CONV1, L_POOL1, L_CONV2, L_POOL2, L_DENSE1, L_DROP, L_DENSE2, L_LOSS, L_COUNT };
static const char *const NAME[L_COUNT] = {
    "conv1 3x3x1->32 +relu", "maxpool1 2x2", "conv2 3x3x32->64 +relu", "maxpool2 2x2",
    "dense1 1600->64 +relu", "dropout 0.5",  "dense2 64->10",          "softmax xent"};

typedef struct net {
    int B;
    nn_window c1, p1, c2, p2;
    float *x, *w1, *b1, *a1, *p1o, *w2, *b2, *a2, *p2o; /* activations and weights */
    float *w3, *b3, *a3, *mask, *a4, *w4, *b4, *a5;
    float *g1, *gp1, *g2, *gp2, *g3, *g4, *g5;            /* gradients of activations */
    float *dw1, *db1, *dw2, *db2, *dw3, *db3, *dw4, *db4; /* parameter gradients */
    int32_t *am1, *am2, *labels;
    float *scratch;
} net;

static float *falloc(size_t n, an_rng *r) {
    float *p = malloc(n * sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(3);
    }
    for (size_t i = 0; i < n; i++) p[i] = r ? an_rng_uniform(r) * 0.2f - 0.1f : 0.0f;
    return p;
}

static nn_window win(int B, int H, int W, int C, int K, int S) {
    nn_window g = {.B = B, .H = H, .W = W, .C = C, .KH = K, .KW = K, .SH = S, .SW = S};
    g.OH = nn_out_size(H, K, S, 0);
    g.OW = nn_out_size(W, K, S, 0);
    return g;
}

static void net_init(net *n, int B) {
    an_rng r;
    an_rng_seed(&r, 1, 1);
    n->B = B;
    n->c1 = win(B, 28, 28, 1, 3, 1);  /* -> 26x26x32 */
    n->p1 = win(B, 26, 26, 32, 2, 2); /* -> 13x13x32 */
    n->c2 = win(B, 13, 13, 32, 3, 1); /* -> 11x11x64 */
    n->p2 = win(B, 11, 11, 64, 2, 2); /* -> 5x5x64 */
    size_t s1 = nn_conv2d_scratch(&n->c1, 32), s2 = nn_conv2d_scratch(&n->c2, 64);
    n->scratch = falloc(s1 > s2 ? s1 : s2, NULL);
    n->x = falloc((size_t)B * 784, &r);
    n->w1 = falloc(9 * 32, &r), n->b1 = falloc(32, &r);
    n->a1 = falloc((size_t)B * 26 * 26 * 32, NULL), n->g1 = falloc((size_t)B * 26 * 26 * 32, NULL);
    n->p1o = falloc((size_t)B * 13 * 13 * 32, NULL);
    n->gp1 = falloc((size_t)B * 13 * 13 * 32, NULL);
    n->w2 = falloc(9 * 32 * 64, &r), n->b2 = falloc(64, &r);
    n->a2 = falloc((size_t)B * 11 * 11 * 64, NULL), n->g2 = falloc((size_t)B * 11 * 11 * 64, NULL);
    n->p2o = falloc((size_t)B * 1600, NULL), n->gp2 = falloc((size_t)B * 1600, NULL);
    n->w3 = falloc(1600 * 64, &r), n->b3 = falloc(64, &r);
    n->a3 = falloc((size_t)B * 64, NULL), n->g3 = falloc((size_t)B * 64, NULL);
    n->mask = falloc((size_t)B * 64, NULL);
    n->a4 = falloc((size_t)B * 64, NULL), n->g4 = falloc((size_t)B * 64, NULL);
    n->w4 = falloc(64 * 10, &r), n->b4 = falloc(10, &r);
    n->a5 = falloc((size_t)B * 10, NULL), n->g5 = falloc((size_t)B * 10, NULL);
    n->dw1 = falloc(9 * 32, NULL), n->db1 = falloc(32, NULL);
    n->dw2 = falloc(9 * 32 * 64, NULL), n->db2 = falloc(64, NULL);
    n->dw3 = falloc(1600 * 64, NULL), n->db3 = falloc(64, NULL);
    n->dw4 = falloc(640, NULL), n->db4 = falloc(10, NULL);
    n->am1 = malloc((size_t)B * 13 * 13 * 32 * 4);
    n->am2 = malloc((size_t)B * 1600 * 4);
    n->labels = malloc((size_t)B * 4);
    if (!n->am1 || !n->am2 || !n->labels) exit(3);
    for (int i = 0; i < B; i++) n->labels[i] = (int32_t)an_rng_below(&r, 10);
}

static void fwd(net *n, int l) {
    const int B = n->B;
    switch (l) {
    case L_CONV1:
        nn_conv2d_forward(n->a1, n->x, n->w1, n->b1, &n->c1, 32, n->scratch);
        nn_relu_forward(n->a1, n->a1, (size_t)B * 26 * 26 * 32, 0);
        break;
    case L_POOL1:
        nn_maxpool_forward(n->p1o, n->am1, n->a1, &n->p1);
        break;
    case L_CONV2:
        nn_conv2d_forward(n->a2, n->p1o, n->w2, n->b2, &n->c2, 64, n->scratch);
        nn_relu_forward(n->a2, n->a2, (size_t)B * 11 * 11 * 64, 0);
        break;
    case L_POOL2:
        nn_maxpool_forward(n->p2o, n->am2, n->a2, &n->p2);
        break;
    case L_DENSE1:
        nn_dense_forward(n->a3, n->p2o, n->w3, n->b3, B, 1600, 64);
        nn_relu_forward(n->a3, n->a3, (size_t)B * 64, 0);
        break;
    case L_DROP:
        nn_dropout_forward(n->a4, n->mask, n->a3, (size_t)B * 64, 0.5f, 7);
        break;
    case L_DENSE2:
        nn_dense_forward(n->a5, n->a4, n->w4, n->b4, B, 64, 10);
        break;
    case L_LOSS:
        nn_softmax_xent_sparse(n->g5, n->a5, n->labels, B, 10);
        break;
    }
}

static void bwd(net *n, int l) {
    const int B = n->B;
    switch (l) {
    case L_LOSS:
        break; /* its gradient came with the forward */
    case L_DENSE2:
        nn_dense_backward(n->g4, n->dw4, n->db4, n->g5, n->a4, n->w4, B, 64, 10);
        break;
    case L_DROP:
        nn_dropout_backward(n->g3, n->g4, n->mask, (size_t)B * 64);
        break;
    case L_DENSE1:
        nn_relu_backward(n->g3, n->g3, n->a3, (size_t)B * 64, 0);
        nn_dense_backward(n->gp2, n->dw3, n->db3, n->g3, n->p2o, n->w3, B, 1600, 64);
        break;
    case L_POOL2:
        nn_maxpool_backward(n->g2, n->gp2, n->am2, &n->p2);
        break;
    case L_CONV2:
        nn_relu_backward(n->g2, n->g2, n->a2, (size_t)B * 11 * 11 * 64, 0);
        nn_conv2d_backward(n->gp1, n->dw2, n->db2, n->g2, n->p1o, n->w2, &n->c2, 64, n->scratch);
        break;
    case L_POOL1:
        nn_maxpool_backward(n->g1, n->gp1, n->am1, &n->p1);
        break;
    case L_CONV1:
        nn_relu_backward(n->g1, n->g1, n->a1, (size_t)B * 26 * 26 * 32, 0);
        nn_conv2d_backward(NULL, n->dw1, n->db1, n->g1, n->x, n->w1, &n->c1, 32, n->scratch);
        break;
    }
}

static void step(net *n) {
    for (int l = 0; l < L_COUNT; l++) fwd(n, l);
    for (int l = L_COUNT - 1; l >= 0; l--) bwd(n, l);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of t [n] (sorts t); *lo gets the minimum. */
static double median(double *t, int n, double *lo) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    *lo = t[0];
    return t[n / 2];
}

int main(int argc, char **argv) {
    int B = argc > 1 ? atoi(argv[1]) : 32;
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    int reps = argc > 3 ? atoi(argv[3]) : 200;
    if (B < 1 || threads < 1 || reps < 1) {
        fprintf(stderr, "usage: kernel_bench [batch] [threads] [reps]\n");
        return 1;
    }
    nn_set_threads(threads);
    net n;
    net_init(&n, B);
    for (int i = 0; i < 20; i++) step(&n); /* warm-up: caches, thread pools */
    double *tf = malloc(sizeof(double) * (size_t)reps), *tb = malloc(sizeof(double) * (size_t)reps);
    if (!tf || !tb) return 3;
    printf("seed CNN kernels, batch %d, %d threads, median of %d runs (ms)\n", B, threads, reps);
    printf("%-26s %9s %9s %9s %9s %9s\n", "layer", "forward", "backward", "sum", "min fwd",
           "min bwd");
    double total = 0;
    for (int l = 0; l < L_COUNT; l++) {
        for (int i = 0; i < reps; i++) {
            double t0 = an_now();
            fwd(&n, l);
            double t1 = an_now();
            bwd(&n, l);
            double t2 = an_now();
            tf[i] = (t1 - t0) * 1e3, tb[i] = (t2 - t1) * 1e3;
        }
        double fmin, bmin, f = median(tf, reps, &fmin), b = median(tb, reps, &bmin);
        total += f + b;
        printf("%-26s %9.3f %9.3f %9.3f %9.3f %9.3f\n", NAME[l], f, b, f + b, fmin, bmin);
    }
    printf("%-26s %29.3f\n", "sum of layers", total);
    for (int i = 0; i < reps; i++) {
        double t0 = an_now();
        step(&n);
        tf[i] = (an_now() - t0) * 1e3;
    }
    double smin, s = median(tf, reps, &smin);
    printf("%-26s %29.3f  (%.0f img/s; min %.3f)\n", "whole step", s, B / s * 1e3, smin);
    free(tf), free(tb);
    return 0;
}
