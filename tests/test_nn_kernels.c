/*
** Float kernel tests (src/nn/kernels.h). Every forward kernel is compared
** with a naive direct loop in double; every backward kernel with central
** differences of that double reference. Also checked: accumulation (dw, db
** +=, din overwritten), NULL din/dw/db, padding geometry, numerical
** stability of the losses, dropout repeatability, and determinism across
** runs and thread counts.
*/
#include "nn/kernels.h"
#include "nn_gradcheck.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Tolerances: float kernels against double references. */
#define FWD_ATOL  1e-5
#define FWD_RTOL  1e-5
#define GRAD_ATOL 1e-4
#define GRAD_RTOL 1e-3
#define FD_EPS    1e-5

/* Geometry of a window op, Keras-style ("valid" or "same"). */
static nn_window window(int B, int H, int W, int C, int KH, int KW, int SH, int SW, int same) {
    nn_window g = {.B = B, .H = H, .W = W, .C = C, .KH = KH, .KW = KW, .SH = SH, .SW = SW};
    g.OH = nn_out_size(H, KH, SH, same);
    g.OW = nn_out_size(W, KW, SW, same);
    g.PT = nn_pad_before(H, KH, SH, same);
    g.PL = nn_pad_before(W, KW, SW, same);
    return g;
}

static size_t in_size(const nn_window *g) {
    return (size_t)g->B * g->H * g->W * g->C;
}
static size_t out_size(const nn_window *g, int ch) {
    return (size_t)g->B * g->OH * g->OW * ch;
}

/* Input cell (b, ih, iw, c) flat index, or -1 when (ih, iw) is padding. */
static long cell(const nn_window *g, int b, int ih, int iw, int c) {
    if (ih < 0 || ih >= g->H || iw < 0 || iw >= g->W) return -1;
    return (((long)b * g->H + ih) * g->W + iw) * g->C + c;
}

/* ---- geometry ---------------------------------------------------------- */

TestSuite(nn_kernels, .fini = leakcheck);

Test(nn_kernels, out_size_and_padding_match_keras) {
    cr_assert_eq(nn_out_size(28, 3, 1, 0), 26);
    cr_assert_eq(nn_out_size(28, 3, 1, 1), 28);
    cr_assert_eq(nn_pad_before(28, 3, 1, 1), 1);
    cr_assert_eq(nn_out_size(26, 2, 2, 0), 13);
    cr_assert_eq(nn_out_size(11, 2, 2, 0), 5);
    cr_assert_eq(nn_out_size(7, 3, 2, 1), 4);
    cr_assert_eq(nn_pad_before(7, 3, 2, 1), 1); /* total 2: 1 before, 1 after */
    cr_assert_eq(nn_out_size(6, 3, 2, 1), 3);
    cr_assert_eq(nn_pad_before(6, 3, 2, 1), 0); /* total 1: all of it after */
    cr_assert_eq(nn_pad_before(8, 4, 1, 1), 1); /* total 3: 1 before, 2 after */
    cr_assert_eq(nn_out_size(2, 3, 1, 0), 0);
    cr_assert_eq(nn_pad_before(9, 3, 1, 0), 0);
    cr_assert_eq(nn_out_size(0, 3, 1, 1), 0);
}

/* ---- conv2d ------------------------------------------------------------ */

typedef struct conv_ref {
    nn_window g;
    int OC, G;              /* G channel groups (1: an ordinary conv) */
    double *in, *w, *b, *r; /* [B,H,W,C], [KH,KW,C/G,OC], [OC], [B,OH,OW,OC] */
    double *out;            /* [B,OH,OW,OC] work buffer */
} conv_ref;

/* Output channel oc reads input channels [(oc / (OC/G)) * C/G, + C/G). */
static void ref_conv_forward(const conv_ref *c) {
    const nn_window *g = &c->g;
    const int CG = g->C / c->G, OCG = c->OC / c->G;
    for (int b = 0; b < g->B; b++)
        for (int oh = 0; oh < g->OH; oh++)
            for (int ow = 0; ow < g->OW; ow++)
                for (int oc = 0; oc < c->OC; oc++) {
                    double s = c->b[oc];
                    for (int kh = 0; kh < g->KH; kh++)
                        for (int kw = 0; kw < g->KW; kw++)
                            for (int ci = 0; ci < CG; ci++) {
                                long at = cell(g, b, oh * g->SH - g->PT + kh,
                                               ow * g->SW - g->PL + kw, (oc / OCG) * CG + ci);
                                if (at < 0) continue;
                                s += c->in[at] * c->w[((kh * g->KW + kw) * CG + ci) * c->OC + oc];
                            }
                    c->out[(((size_t)b * g->OH + oh) * g->OW + ow) * c->OC + oc] = s;
                }
}

/* sum(out * r): the scalar whose gradient backward computes for dout = r. */
static double conv_loss(void *ctx) {
    conv_ref *c = ctx;
    ref_conv_forward(c);
    double s = 0;
    for (size_t i = 0; i < out_size(&c->g, c->OC); i++) s += c->out[i] * c->r[i];
    return s;
}

/* The conv of G groups: k_conv.c for G = 1, k_gconv.c for more. */
static void conv_fwd(float *out, const float *in, const float *w, const float *b,
                     const nn_window *g, int OC, int G, float *scratch) {
    if (G > 1)
        nn_gconv2d_forward(out, in, w, b, g, OC, G);
    else
        nn_conv2d_forward(out, in, w, b, g, OC, scratch);
}
static void conv_bwd(float *din, float *dw, float *db, const float *dout, const float *in,
                     const float *w, const nn_window *g, int OC, int G, float *scratch) {
    if (G > 1)
        nn_gconv2d_backward(din, dw, db, dout, in, w, g, OC, G);
    else
        nn_conv2d_backward(din, dw, db, dout, in, w, g, OC, scratch);
}

/* Forward against the direct loop, backward against finite differences,
** dw/db accumulation, din overwrite and the NULL din/db paths; G groups. */
static void check_conv_g(nn_window g, int OC, int G, uint64_t seed) {
    an_rng rng;
    an_rng_seed(&rng, seed, 7);
    const size_t ni = in_size(&g), no = out_size(&g, OC);
    const size_t nw = (size_t)g.KH * g.KW * (g.C / G) * OC;
    cr_assert(g.OH > 0 && g.OW > 0, "bad test geometry");
    float *in = gc_alloc(ni, 4), *w = gc_alloc(nw, 4), *b = gc_alloc(OC, 4);
    float *dout = gc_alloc(no, 4), *out = gc_alloc(no, 4), *din = gc_alloc(ni, 4);
    float *dw = gc_alloc(nw, 4), *db = gc_alloc(OC, 4);
    float *scratch = gc_alloc(nn_conv2d_scratch(&g, OC), 4);
    conv_ref c = {.g = g, .OC = OC, .G = G};
    c.in = gc_alloc(ni, 8), c.w = gc_alloc(nw, 8), c.b = gc_alloc(OC, 8);
    c.r = gc_alloc(no, 8), c.out = gc_alloc(no, 8);
    gc_fill(in, c.in, ni, &rng, -1, 1);
    gc_fill(w, c.w, nw, &rng, -1, 1);
    gc_fill(b, c.b, OC, &rng, -1, 1);
    gc_fill(dout, c.r, no, &rng, -1, 1);

    for (size_t i = 0; i < no; i++) out[i] = NAN;
    conv_fwd(out, in, w, b, &g, OC, G, scratch);
    ref_conv_forward(&c);
    gc_close(out, c.out, no, FWD_ATOL, FWD_RTOL, "conv out");

    /* no bias */
    double *bsave = c.b;
    c.b = gc_alloc(OC, 8);
    conv_fwd(out, in, w, NULL, &g, OC, G, scratch);
    ref_conv_forward(&c);
    gc_close(out, c.out, no, FWD_ATOL, FWD_RTOL, "conv out (no bias)");
    free(c.b);
    c.b = bsave;

    double *gin = gc_alloc(ni, 8), *gw = gc_alloc(nw, 8), *gb = gc_alloc(OC, 8);
    gc_fd_grad(gin, c.in, ni, conv_loss, &c, FD_EPS);
    gc_fd_grad(gw, c.w, nw, conv_loss, &c, FD_EPS);
    gc_fd_grad(gb, c.b, OC, conv_loss, &c, FD_EPS);

    for (size_t i = 0; i < ni; i++) din[i] = NAN; /* must be overwritten */
    for (size_t i = 0; i < nw; i++) dw[i] = 0.25f;
    for (int i = 0; i < OC; i++) db[i] = -0.5f;
    conv_bwd(din, dw, db, dout, in, w, &g, OC, G, scratch);
    gc_close(din, gin, ni, GRAD_ATOL, GRAD_RTOL, "conv din");
    for (size_t i = 0; i < nw; i++) gw[i] += 0.25;
    for (int i = 0; i < OC; i++) gb[i] -= 0.5;
    gc_close(dw, gw, nw, GRAD_ATOL, GRAD_RTOL, "conv dw (accumulated once)");
    gc_close(db, gb, OC, GRAD_ATOL, GRAD_RTOL, "conv db (accumulated once)");

    /* a second call without din or db accumulates dw again, leaves db */
    conv_bwd(NULL, dw, NULL, dout, in, w, &g, OC, G, scratch);
    for (size_t i = 0; i < nw; i++) gw[i] = 2 * gw[i] - 0.25;
    gc_close(dw, gw, nw, GRAD_ATOL, GRAD_RTOL, "conv dw (accumulated twice)");
    gc_close(db, gb, OC, GRAD_ATOL, GRAD_RTOL, "conv db (untouched)");

    /* dout with every third output row zero (the packed-rows path) */
    for (size_t p = 0; p < no / OC; p += 3)
        for (int k = 0; k < OC; k++) dout[p * OC + k] = 0.0f, c.r[p * OC + k] = 0.0;
    gc_fd_grad(gin, c.in, ni, conv_loss, &c, FD_EPS);
    gc_fd_grad(gw, c.w, nw, conv_loss, &c, FD_EPS);
    gc_fd_grad(gb, c.b, OC, conv_loss, &c, FD_EPS);
    memset(dw, 0, nw * 4), memset(db, 0, (size_t)OC * 4);
    conv_bwd(din, dw, db, dout, in, w, &g, OC, G, scratch);
    gc_close(din, gin, ni, GRAD_ATOL, GRAD_RTOL, "conv din (zero rows)");
    gc_close(dw, gw, nw, GRAD_ATOL, GRAD_RTOL, "conv dw (zero rows)");
    gc_close(db, gb, OC, GRAD_ATOL, GRAD_RTOL, "conv db (zero rows)");
    for (size_t i = 0; i < no; i++) dout[i] = 0.0f; /* all zero */
    conv_bwd(din, dw, db, dout, in, w, &g, OC, G, scratch);
    gc_close(dw, gw, nw, GRAD_ATOL, GRAD_RTOL, "conv dw (zero dout)");
    for (size_t i = 0; i < ni; i++) cr_assert(din[i] == 0.0f, "din[%zu] for zero dout", i);

    free(in), free(w), free(b), free(dout), free(out), free(din), free(dw), free(db);
    free(scratch), free(c.in), free(c.w), free(c.b), free(c.r), free(c.out);
    free(gin), free(gw), free(gb);
}

static void check_conv(nn_window g, int OC, uint64_t seed) {
    check_conv_g(g, OC, 1, seed);
}

Test(nn_kernels, grouped_and_depthwise_conv) {
    check_conv_g(window(2, 5, 6, 4, 3, 3, 1, 1, 1), 4, 4, 31);  /* depthwise 3x3 same */
    check_conv_g(window(2, 7, 6, 3, 3, 3, 2, 2, 1), 3, 3, 32);  /* depthwise stride 2 */
    check_conv_g(window(1, 5, 5, 3, 3, 3, 1, 1, 0), 6, 3, 33);  /* depthwise, multiplier 2 */
    check_conv_g(window(2, 6, 5, 6, 3, 2, 1, 1, 0), 4, 2, 34);  /* 2 groups of 3 -> 2 */
    check_conv_g(window(2, 4, 5, 8, 1, 1, 1, 1, 0), 12, 4, 35); /* 1x1, 4 groups */
    nn_window g = {.B = 2, .H = 5, .W = 4, .C = 4, .KH = 3, .KW = 2, .SH = 2, .SW = 1};
    g.PT = 2, g.PL = 1, g.OH = 4, g.OW = 4; /* explicit asymmetric padding */
    check_conv_g(g, 4, 4, 36);
}

/* The grouped kernels give the same bits on one thread and on two. */
Test(nn_kernels, grouped_conv_independent_of_threads) {
    const nn_window g = window(4, 24, 20, 32, 3, 3, 1, 1, 1);
    const int OC = 32, G = 8;
    const size_t ni = in_size(&g), no = out_size(&g, OC), nw = (size_t)9 * (32 / G) * OC;
    an_rng rng;
    an_rng_seed(&rng, 5, 5);
    float *in = gc_alloc(ni, 4), *w = gc_alloc(nw, 4), *b = gc_alloc(OC, 4);
    float *dout = gc_alloc(no, 4), *out[2], *din[2], *dw[2], *db[2];
    gc_fill(in, NULL, ni, &rng, -1, 1), gc_fill(w, NULL, nw, &rng, -1, 1);
    gc_fill(b, NULL, OC, &rng, -1, 1), gc_fill(dout, NULL, no, &rng, -1, 1);
    for (int t = 0; t < 2; t++) {
        out[t] = gc_alloc(no, 4), din[t] = gc_alloc(ni, 4);
        dw[t] = gc_alloc(nw, 4), db[t] = gc_alloc(OC, 4);
        nn_set_threads(t + 1);
        nn_gconv2d_forward(out[t], in, w, b, &g, OC, G);
        nn_gconv2d_backward(din[t], dw[t], db[t], dout, in, w, &g, OC, G);
    }
    cr_assert(memcmp(out[0], out[1], no * 4) == 0);
    cr_assert(memcmp(din[0], din[1], ni * 4) == 0);
    cr_assert(memcmp(dw[0], dw[1], nw * 4) == 0);
    cr_assert(memcmp(db[0], db[1], (size_t)OC * 4) == 0);
    for (int t = 0; t < 2; t++) free(out[t]), free(din[t]), free(dw[t]), free(db[t]);
    free(in), free(w), free(b), free(dout);
}

Test(nn_kernels, conv_stride1_valid) {
    check_conv(window(2, 5, 7, 3, 3, 3, 1, 1, 0), 4, 1);
}
Test(nn_kernels, conv_stride1_same_odd) {
    check_conv(window(2, 5, 6, 2, 3, 3, 1, 1, 1), 3, 2);
}
Test(nn_kernels, conv_stride2_same) {
    check_conv(window(2, 7, 6, 3, 3, 3, 2, 2, 1), 5, 3);
}
Test(nn_kernels, conv_stride2_valid_rect_kernel) {
    check_conv(window(3, 7, 8, 2, 2, 3, 2, 2, 0), 3, 4);
}
Test(nn_kernels, conv_mixed_stride_even_kernel_same) {
    check_conv(window(1, 6, 9, 2, 4, 2, 1, 3, 1), 2, 5);
}
Test(nn_kernels, conv_first_layer_c1) {
    check_conv(window(3, 9, 8, 1, 3, 3, 1, 1, 0), 8, 6);
    check_conv(window(2, 7, 7, 1, 5, 5, 1, 1, 1), 4, 7);
}
Test(nn_kernels, conv_many_channels) {
    /* C >= 4 builds col row by row; C < 4 (the cases above) transposed */
    check_conv(window(2, 6, 5, 5, 3, 3, 2, 2, 1), 3, 10);
    check_conv(window(2, 5, 6, 4, 3, 3, 1, 1, 1), 2, 11);
    check_conv(window(1, 7, 6, 8, 2, 3, 1, 2, 0), 5, 12);
}
Test(nn_kernels, conv_first_layer_strided) {
    check_conv(window(2, 9, 8, 1, 3, 3, 2, 2, 1), 4, 13);
    check_conv(window(2, 7, 9, 3, 5, 3, 2, 1, 1), 3, 14);
}
Test(nn_kernels, conv_pointwise) {
    check_conv(window(2, 4, 5, 6, 1, 1, 1, 1, 0), 3, 8);
}
Test(nn_kernels, conv_custom_padding) {
    /* top/left padding 2/1, bottom/right implied by OH/OW: 2 and 0 */
    nn_window g = {.B = 2, .H = 5, .W = 4, .C = 2, .KH = 3, .KW = 2, .SH = 2, .SW = 1};
    g.PT = 2, g.PL = 1, g.OH = 4, g.OW = 4;
    check_conv(g, 3, 9);
    g.C = 5; /* the same, row-wise col */
    check_conv(g, 3, 15);
}

/* Backward of the direct-loop reference (its adjoint, also direct loops):
** din, dw, db [double] for dout = c->r. */
static void ref_conv_backward(const conv_ref *c, double *din, double *dw, double *db) {
    const nn_window *g = &c->g;
    memset(din, 0, in_size(g) * sizeof(double));
    memset(dw, 0, (size_t)g->KH * g->KW * g->C * c->OC * sizeof(double));
    memset(db, 0, (size_t)c->OC * sizeof(double));
    for (int b = 0; b < g->B; b++)
        for (int oh = 0; oh < g->OH; oh++)
            for (int ow = 0; ow < g->OW; ow++)
                for (int oc = 0; oc < c->OC; oc++) {
                    const double d = c->r[(((size_t)b * g->OH + oh) * g->OW + ow) * c->OC + oc];
                    db[oc] += d;
                    for (int kh = 0; kh < g->KH; kh++)
                        for (int kw = 0; kw < g->KW; kw++)
                            for (int ci = 0; ci < g->C; ci++) {
                                long at = cell(g, b, oh * g->SH - g->PT + kh,
                                               ow * g->SW - g->PL + kw, ci);
                                if (at < 0) continue;
                                size_t wi = ((size_t)(kh * g->KW + kw) * g->C + ci) * c->OC + oc;
                                din[at] += d * c->w[wi];
                                dw[wi] += d * c->in[at];
                            }
                }
}

/* A conv big enough for several threads and several forward chunks per
** thread, against the direct loops, forward and backward (with a quarter
** of the dout rows zero, so the packed path runs for C >= 4). */
static void check_conv_large(nn_window g, int OC, uint64_t seed) {
    an_rng rng;
    an_rng_seed(&rng, seed, 29);
    const size_t ni = in_size(&g), no = out_size(&g, OC);
    const size_t nw = (size_t)g.KH * g.KW * g.C * OC;
    float *in = gc_alloc(ni, 4), *w = gc_alloc(nw, 4), *b = gc_alloc(OC, 4);
    float *dout = gc_alloc(no, 4), *out = gc_alloc(no, 4), *din = gc_alloc(ni, 4);
    float *dw = gc_alloc(nw, 4), *db = gc_alloc(OC, 4);
    float *scratch = gc_alloc(nn_conv2d_scratch(&g, OC), 4);
    conv_ref c = {.g = g, .OC = OC, .G = 1};
    c.in = gc_alloc(ni, 8), c.w = gc_alloc(nw, 8), c.b = gc_alloc(OC, 8);
    c.r = gc_alloc(no, 8), c.out = gc_alloc(no, 8);
    double *gin = gc_alloc(ni, 8), *gw = gc_alloc(nw, 8), *gb = gc_alloc(OC, 8);
    gc_fill(in, c.in, ni, &rng, -1, 1);
    gc_fill(w, c.w, nw, &rng, -1, 1);
    gc_fill(b, c.b, OC, &rng, -1, 1);
    gc_fill(dout, c.r, no, &rng, -1, 1);
    for (size_t p = 0; p < no / OC; p += 4)
        for (int k = 0; k < OC; k++) dout[p * OC + k] = 0.0f, c.r[p * OC + k] = 0.0;
    nn_set_threads(2);
    nn_conv2d_forward(out, in, w, b, &g, OC, scratch);
    ref_conv_forward(&c);
    gc_close(out, c.out, no, 1e-4, 1e-4, "large conv out");
    nn_conv2d_backward(din, dw, db, dout, in, w, &g, OC, scratch);
    ref_conv_backward(&c, gin, gw, gb);
    gc_close(din, gin, ni, 1e-4, 1e-4, "large conv din");
    gc_close(dw, gw, nw, 1e-3, 1e-4, "large conv dw");
    gc_close(db, gb, OC, 1e-3, 1e-4, "large conv db");
    free(in), free(w), free(b), free(dout), free(out), free(din), free(dw), free(db);
    free(scratch), free(c.in), free(c.w), free(c.b), free(c.r), free(c.out);
    free(gin), free(gw), free(gb);
}

Test(nn_kernels, conv_large_threads_and_chunks) {
    check_conv_large(window(8, 20, 20, 8, 3, 3, 1, 1, 1), 8, 1);  /* row col, 2 chunks */
    check_conv_large(window(40, 20, 20, 1, 3, 3, 1, 1, 1), 8, 2); /* colT, 2 chunks */
    check_conv_large(window(6, 17, 15, 5, 3, 3, 2, 2, 1), 6, 3);
}

/* ---- pooling ----------------------------------------------------------- */

typedef struct pool_ref {
    nn_window g;
    int avg;
    double *in, *r, *out; /* [B,H,W,C], [B,OH,OW,C], [B,OH,OW,C] */
} pool_ref;

static void ref_pool_forward(const pool_ref *p) {
    const nn_window *g = &p->g;
    for (int b = 0; b < g->B; b++)
        for (int oh = 0; oh < g->OH; oh++)
            for (int ow = 0; ow < g->OW; ow++)
                for (int ci = 0; ci < g->C; ci++) {
                    double s = p->avg ? 0 : -INFINITY;
                    int n = 0;
                    for (int kh = 0; kh < g->KH; kh++)
                        for (int kw = 0; kw < g->KW; kw++) {
                            long at =
                                cell(g, b, oh * g->SH - g->PT + kh, ow * g->SW - g->PL + kw, ci);
                            if (at < 0) continue;
                            n++;
                            if (p->avg)
                                s += p->in[at];
                            else if (p->in[at] > s)
                                s = p->in[at];
                        }
                    p->out[(((size_t)b * g->OH + oh) * g->OW + ow) * g->C + ci] =
                        p->avg ? s / n : s;
                }
}

static double pool_loss(void *ctx) {
    pool_ref *p = ctx;
    ref_pool_forward(p);
    double s = 0;
    for (size_t i = 0; i < out_size(&p->g, p->g.C); i++) s += p->out[i] * p->r[i];
    return s;
}

static void check_pool(nn_window g, int avg, uint64_t seed) {
    an_rng rng;
    an_rng_seed(&rng, seed, 11);
    const size_t ni = in_size(&g), no = out_size(&g, g.C);
    float *in = gc_alloc(ni, 4), *out = gc_alloc(no, 4), *dout = gc_alloc(no, 4);
    float *din = gc_alloc(ni, 4);
    int32_t *am = gc_alloc(no, 4);
    pool_ref p = {.g = g, .avg = avg};
    p.in = gc_alloc(ni, 8), p.r = gc_alloc(no, 8), p.out = gc_alloc(no, 8);
    /* distinct values 0.01 apart, so finite differences never switch the max */
    int64_t *perm = gc_alloc(ni, sizeof(int64_t));
    for (size_t i = 0; i < ni; i++) perm[i] = (int64_t)i;
    an_rng_shuffle(&rng, perm, (int64_t)ni);
    for (size_t i = 0; i < ni; i++) {
        in[i] = (float)(perm[i] - (int64_t)ni / 2) * 0.01f;
        p.in[i] = in[i];
    }
    gc_fill(dout, p.r, no, &rng, -1, 1);

    if (avg)
        nn_avgpool_forward(out, in, &g);
    else
        nn_maxpool_forward(out, am, in, &g);
    ref_pool_forward(&p);
    gc_close(out, p.out, no, FWD_ATOL, FWD_RTOL, avg ? "avgpool out" : "maxpool out");
    if (!avg) {
        for (size_t i = 0; i < no; i++) {
            cr_assert(am[i] >= 0 && (size_t)am[i] < ni, "argmax[%zu] = %d", i, am[i]);
            cr_assert_eq(in[am[i]], out[i], "argmax[%zu] does not point at the max", i);
        }
        float *out2 = gc_alloc(no, 4);
        nn_maxpool_forward(out2, NULL, in, &g); /* without argmax */
        cr_assert(memcmp(out, out2, no * 4) == 0, "maxpool out differs without argmax");
        free(out2);
    }

    double *gin = gc_alloc(ni, 8);
    gc_fd_grad(gin, p.in, ni, pool_loss, &p, 1e-4);
    for (size_t i = 0; i < ni; i++) din[i] = NAN;
    if (avg)
        nn_avgpool_backward(din, dout, &g);
    else
        nn_maxpool_backward(din, dout, am, &g);
    gc_close(din, gin, ni, GRAD_ATOL, GRAD_RTOL, avg ? "avgpool din" : "maxpool din");

    free(in), free(out), free(dout), free(din), free(am), free(perm);
    free(p.in), free(p.r), free(p.out), free(gin);
}

Test(nn_kernels, maxpool_valid_2x2) {
    check_pool(window(2, 6, 7, 3, 2, 2, 2, 2, 0), 0, 1);
    check_pool(window(2, 8, 7, 2, 2, 2, 3, 3, 0), 0, 8); /* gaps between windows */
    check_pool(window(1, 7, 8, 2, 2, 3, 2, 3, 1), 0, 9);
}
Test(nn_kernels, maxpool_same_padding) {
    check_pool(window(2, 5, 7, 2, 3, 3, 2, 2, 1), 0, 2);
    check_pool(window(1, 6, 6, 3, 2, 2, 2, 2, 1), 0, 3);
    check_pool(window(1, 5, 5, 2, 3, 3, 1, 1, 1), 0, 4); /* overlapping windows */
}
Test(nn_kernels, avgpool_valid_and_same) {
    check_pool(window(2, 6, 7, 3, 2, 2, 2, 2, 0), 1, 5);
    check_pool(window(2, 5, 7, 2, 3, 3, 2, 2, 1), 1, 6);
    check_pool(window(1, 5, 5, 2, 3, 3, 1, 1, 1), 1, 7);
}

Test(nn_kernels, avgpool_divides_by_valid_cells) {
    /* 2x2 ones, 3x3 window stride 1 same: corners see 4 cells, all means 1 */
    nn_window g = window(1, 2, 2, 1, 3, 3, 1, 1, 1);
    float in[4] = {1, 1, 1, 1}, out[4];
    nn_avgpool_forward(out, in, &g);
    for (int i = 0; i < 4; i++) cr_assert_float_eq(out[i], 1.0f, 1e-7);
}

/* ---- dense ------------------------------------------------------------- */

typedef struct dense_ref {
    int B, K, N;
    double *in, *w, *b, *r, *out; /* [B,K], [K,N], [N], [B,N], [B,N] */
} dense_ref;

static void ref_dense_forward(const dense_ref *d) {
    for (int i = 0; i < d->B; i++)
        for (int j = 0; j < d->N; j++) {
            double s = d->b[j];
            for (int k = 0; k < d->K; k++) s += d->in[i * d->K + k] * d->w[k * d->N + j];
            d->out[i * d->N + j] = s;
        }
}

static double dense_loss(void *ctx) {
    dense_ref *d = ctx;
    ref_dense_forward(d);
    double s = 0;
    for (int i = 0; i < d->B * d->N; i++) s += d->out[i] * d->r[i];
    return s;
}

static void check_dense(int B, int K, int N, uint64_t seed) {
    an_rng rng;
    an_rng_seed(&rng, seed, 13);
    float *in = gc_alloc((size_t)B * K, 4), *w = gc_alloc((size_t)K * N, 4);
    float *b = gc_alloc(N, 4), *dout = gc_alloc((size_t)B * N, 4);
    float *out = gc_alloc((size_t)B * N, 4), *din = gc_alloc((size_t)B * K, 4);
    float *dw = gc_alloc((size_t)K * N, 4), *db = gc_alloc(N, 4);
    dense_ref d = {.B = B, .K = K, .N = N};
    d.in = gc_alloc((size_t)B * K, 8), d.w = gc_alloc((size_t)K * N, 8);
    d.b = gc_alloc(N, 8), d.r = gc_alloc((size_t)B * N, 8), d.out = gc_alloc((size_t)B * N, 8);
    gc_fill(in, d.in, (size_t)B * K, &rng, -1, 1);
    gc_fill(w, d.w, (size_t)K * N, &rng, -1, 1);
    gc_fill(b, d.b, N, &rng, -1, 1);
    gc_fill(dout, d.r, (size_t)B * N, &rng, -1, 1);

    nn_dense_forward(out, in, w, b, B, K, N);
    ref_dense_forward(&d);
    gc_close(out, d.out, (size_t)B * N, FWD_ATOL, FWD_RTOL, "dense out");

    double *gin = gc_alloc((size_t)B * K, 8), *gw = gc_alloc((size_t)K * N, 8);
    double *gb = gc_alloc(N, 8);
    gc_fd_grad(gin, d.in, (size_t)B * K, dense_loss, &d, FD_EPS);
    gc_fd_grad(gw, d.w, (size_t)K * N, dense_loss, &d, FD_EPS);
    gc_fd_grad(gb, d.b, N, dense_loss, &d, FD_EPS);
    for (int i = 0; i < B * K; i++) din[i] = NAN;
    for (int i = 0; i < K * N; i++) dw[i] = 1.0f;
    for (int i = 0; i < N; i++) db[i] = 2.0f;
    nn_dense_backward(din, dw, db, dout, in, w, B, K, N);
    for (int i = 0; i < K * N; i++) gw[i] += 1.0;
    for (int i = 0; i < N; i++) gb[i] += 2.0;
    gc_close(din, gin, (size_t)B * K, GRAD_ATOL, GRAD_RTOL, "dense din");
    gc_close(dw, gw, (size_t)K * N, GRAD_ATOL, GRAD_RTOL, "dense dw");
    gc_close(db, gb, N, GRAD_ATOL, GRAD_RTOL, "dense db");
    nn_dense_backward(NULL, dw, NULL, dout, in, w, B, K, N);
    for (int i = 0; i < K * N; i++) gw[i] = 2 * gw[i] - 1.0;
    gc_close(dw, gw, (size_t)K * N, GRAD_ATOL, GRAD_RTOL, "dense dw (twice)");
    gc_close(db, gb, N, GRAD_ATOL, GRAD_RTOL, "dense db (untouched)");

    free(in), free(w), free(b), free(dout), free(out), free(din), free(dw), free(db);
    free(d.in), free(d.w), free(d.b), free(d.r), free(d.out), free(gin), free(gw), free(gb);
}

Test(nn_kernels, dense) {
    check_dense(3, 7, 5, 1);
    check_dense(1, 16, 10, 2);
    check_dense(5, 1, 3, 3);
}

/* ---- element-wise ------------------------------------------------------ */

typedef struct relu_ref {
    size_t n;
    double cap;
    double *in, *r;
} relu_ref;

static double relu_loss(void *ctx) {
    relu_ref *q = ctx;
    double s = 0;
    for (size_t i = 0; i < q->n; i++) {
        double v = q->in[i] > 0 ? q->in[i] : 0;
        if (q->cap > 0 && v > q->cap) v = q->cap;
        s += v * q->r[i];
    }
    return s;
}

static void check_relu(float cap) {
    enum { n = 200 };
    an_rng rng;
    an_rng_seed(&rng, 5, (uint64_t)cap);
    float in[n], out[n], dout[n], din[n];
    double ind[n], rd[n], g[n];
    for (int i = 0; i < n; i++) { /* keep 0.05 away from the kinks at 0 and cap */
        float v;
        do v = -2.0f + 10.0f * an_rng_uniform(&rng);
        while (fabsf(v) < 0.05f || fabsf(v - 6.0f) < 0.05f);
        in[i] = v, ind[i] = v;
    }
    gc_fill(dout, rd, n, &rng, -1, 1);
    relu_ref q = {.n = n, .cap = cap, .in = ind, .r = rd};
    nn_relu_forward(out, in, n, cap);
    for (int i = 0; i < n; i++) {
        float want = in[i] > 0 ? in[i] : 0;
        if (cap > 0 && want > cap) want = cap;
        cr_assert_eq(out[i], want, "relu(%g) cap %g = %g", in[i], cap, out[i]);
    }
    gc_fd_grad(g, ind, n, relu_loss, &q, 1e-3);
    nn_relu_backward(din, dout, out, n, cap);
    gc_close(din, g, n, 1e-6, 1e-5, "relu din");
    /* in place: din aliases dout, out aliases in */
    nn_relu_backward(dout, dout, out, n, cap);
    gc_close(dout, g, n, 1e-6, 1e-5, "relu din in place");
    nn_relu_forward(in, in, n, cap);
    cr_assert(memcmp(in, out, sizeof out) == 0, "relu in place differs");
}

Test(nn_kernels, relu_and_relu6) {
    check_relu(0.0f);
    check_relu(6.0f);
}

Test(nn_kernels, relu_large_parallel) {
    size_t n = 300001;
    float *x = gc_alloc(n, 4), *y = gc_alloc(n, 4);
    for (size_t i = 0; i < n; i++) x[i] = (float)((long)(i % 17) - 8);
    nn_relu_forward(y, x, n, 6.0f);
    for (size_t i = 0; i < n; i++) {
        float want = x[i] < 0 ? 0 : x[i] > 6 ? 6 : x[i];
        cr_assert_eq(y[i], want);
    }
    free(x), free(y);
}

Test(nn_kernels, add) {
    float a[5] = {1, 2, 3, 4, 5}, b[5] = {0.5f, -2, 1e6f, 0, -5}, out[5];
    nn_add_forward(out, a, b, 5);
    for (int i = 0; i < 5; i++) cr_assert_eq(out[i], a[i] + b[i]);
    nn_add_forward(a, a, b, 5); /* in place */
    cr_assert(memcmp(a, out, sizeof out) == 0);
}

Test(nn_kernels, dropout_mask_rate_repeatable_and_thread_independent) {
    const size_t n = 100003;
    const float rate = 0.3f, keep = 1.0f / (1.0f - rate);
    float *in = gc_alloc(n, 4), *out = gc_alloc(n, 4), *mask = gc_alloc(n, 4);
    float *out2 = gc_alloc(n, 4), *mask2 = gc_alloc(n, 4), *din = gc_alloc(n, 4);
    for (size_t i = 0; i < n; i++) in[i] = (float)(i % 13) - 6.0f;
    nn_set_threads(1);
    nn_dropout_forward(out, mask, in, n, rate, 42);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert(mask[i] == 0.0f || mask[i] == keep, "mask[%zu] = %g", i, mask[i]);
        cr_assert_eq(out[i], in[i] * mask[i]);
        kept += mask[i] != 0.0f;
    }
    double frac = (double)kept / n;
    cr_assert(fabs(frac - 0.7) < 0.01, "kept fraction %g, want 0.7", frac);
    nn_set_threads(2);
    nn_dropout_forward(out2, mask2, in, n, rate, 42);
    cr_assert(memcmp(mask, mask2, n * 4) == 0, "mask depends on the thread count");
    cr_assert(memcmp(out, out2, n * 4) == 0);
    nn_dropout_forward(out2, mask2, in, n, rate, 43);
    cr_assert(memcmp(mask, mask2, n * 4) != 0, "mask ignores the seed");
    nn_dropout_backward(din, in, mask, n);
    for (size_t i = 0; i < n; i++) cr_assert_eq(din[i], in[i] * mask[i]);
    /* rate 0 keeps all, rate 1 drops all */
    nn_dropout_forward(out2, mask2, in, 10, 0.0f, 1);
    for (int i = 0; i < 10; i++) cr_assert_eq(mask2[i], 1.0f);
    nn_dropout_forward(out2, mask2, in, 10, 1.0f, 1);
    for (int i = 0; i < 10; i++) cr_assert(mask2[i] == 0.0f && out2[i] == 0.0f);
    free(in), free(out), free(mask), free(out2), free(mask2), free(din);
}

/* ---- batch normalisation ----------------------------------------------- */

typedef struct bn_ref {
    int64_t N;
    int C;
    double eps;
    double *in, *gamma, *beta, *r, *out; /* [N,C], [C], [C], [N,C], [N,C] */
    double *mean, *var;                  /* [C] batch stats (biased var) */
} bn_ref;

static void ref_bn_forward(bn_ref *q) {
    for (int c = 0; c < q->C; c++) {
        double m = 0, v = 0;
        for (int64_t i = 0; i < q->N; i++) m += q->in[i * q->C + c];
        m /= (double)q->N;
        for (int64_t i = 0; i < q->N; i++) v += pow(q->in[i * q->C + c] - m, 2);
        v /= (double)q->N;
        q->mean[c] = m, q->var[c] = v;
        for (int64_t i = 0; i < q->N; i++)
            q->out[i * q->C + c] =
                q->gamma[c] * (q->in[i * q->C + c] - m) / sqrt(v + q->eps) + q->beta[c];
    }
}

static double bn_loss(void *ctx) {
    bn_ref *q = ctx;
    ref_bn_forward(q);
    double s = 0;
    for (int64_t i = 0; i < q->N * q->C; i++) s += q->out[i] * q->r[i];
    return s;
}

/* Batchnorm on inputs uniform in [lo, hi): forward, running statistics,
** gradients against the double reference, inference mode. */
static void check_bn(int64_t N, int C, uint64_t seed, float lo, float hi) {
    an_rng rng;
    an_rng_seed(&rng, seed, 17);
    const size_t n = (size_t)N * C;
    const float eps = 1e-3f, mom = 0.9f;
    float *in = gc_alloc(n, 4), *out = gc_alloc(n, 4), *dout = gc_alloc(n, 4);
    float *din = gc_alloc(n, 4), *gamma = gc_alloc(C, 4), *beta = gc_alloc(C, 4);
    float *rm = gc_alloc(C, 4), *rv = gc_alloc(C, 4), *sm = gc_alloc(C, 4), *si = gc_alloc(C, 4);
    float *dg = gc_alloc(C, 4), *dbt = gc_alloc(C, 4);
    bn_ref q = {.N = N, .C = C, .eps = eps};
    q.in = gc_alloc(n, 8), q.gamma = gc_alloc(C, 8), q.beta = gc_alloc(C, 8);
    q.r = gc_alloc(n, 8), q.out = gc_alloc(n, 8), q.mean = gc_alloc(C, 8), q.var = gc_alloc(C, 8);
    gc_fill(in, q.in, n, &rng, lo, hi);
    gc_fill(gamma, q.gamma, C, &rng, 0.5f, 2.0f);
    gc_fill(beta, q.beta, C, &rng, -1, 1);
    gc_fill(dout, q.r, n, &rng, -1, 1);
    double *rm0 = gc_alloc(C, 8), *rv0 = gc_alloc(C, 8);
    gc_fill(rm, rm0, C, &rng, -1, 1);
    gc_fill(rv, rv0, C, &rng, 0.5f, 2.0f);

    nn_batchnorm_forward(out, sm, si, in, gamma, beta, rm, rv, N, C, eps, mom, 1);
    ref_bn_forward(&q);
    gc_close(out, q.out, n, 1e-5, 1e-4, "bn out");
    double *want = gc_alloc(C, 8);
    for (int c = 0; c < C; c++) want[c] = mom * rm0[c] + (1 - mom) * q.mean[c];
    gc_close(rm, want, C, 1e-6, 1e-5, "bn running_mean");
    for (int c = 0; c < C; c++)
        want[c] = mom * rv0[c] + (1 - mom) * q.var[c] * (double)N / (double)(N - 1);
    gc_close(rv, want, C, 1e-6, 1e-5, "bn running_var");
    for (int c = 0; c < C; c++) want[c] = q.mean[c];
    gc_close(sm, want, C, 1e-6, 1e-5, "bn save_mean");

    double *gin = gc_alloc(n, 8), *gg = gc_alloc(C, 8), *gbt = gc_alloc(C, 8);
    gc_fd_grad(gin, q.in, n, bn_loss, &q, FD_EPS);
    gc_fd_grad(gg, q.gamma, C, bn_loss, &q, FD_EPS);
    gc_fd_grad(gbt, q.beta, C, bn_loss, &q, FD_EPS);
    for (int c = 0; c < C; c++) dg[c] = 0.5f, dbt[c] = -1.0f, gg[c] += 0.5, gbt[c] -= 1.0;
    for (size_t i = 0; i < n; i++) din[i] = NAN;
    nn_batchnorm_backward(din, dg, dbt, dout, in, gamma, sm, si, N, C);
    gc_close(din, gin, n, GRAD_ATOL, 2e-3, "bn din");
    gc_close(dg, gg, C, GRAD_ATOL, GRAD_RTOL, "bn dgamma");
    gc_close(dbt, gbt, C, GRAD_ATOL, GRAD_RTOL, "bn dbeta");

    /* inference uses the running statistics and leaves them alone */
    float rm_before = rm[0], rv_before = rv[0];
    nn_batchnorm_forward(out, NULL, NULL, in, gamma, beta, rm, rv, N, C, eps, mom, 0);
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % (size_t)C);
        double w = (double)gamma[c] * (in[i] - (double)rm[c]) / sqrt((double)rv[c] + eps) + beta[c];
        cr_assert(fabs(out[i] - w) <= 1e-5 + 1e-5 * fabs(w), "bn inference out[%zu]", i);
    }
    cr_assert(rm[0] == rm_before && rv[0] == rv_before, "inference changed running stats");

    free(in), free(out), free(dout), free(din), free(gamma), free(beta), free(rm), free(rv);
    free(sm), free(si), free(dg), free(dbt), free(q.in), free(q.gamma), free(q.beta);
    free(q.r), free(q.out), free(q.mean), free(q.var), free(rm0), free(rv0), free(want);
    free(gin), free(gg), free(gbt);
}

Test(nn_kernels, batchnorm_train_and_inference) {
    check_bn(12, 3, 1, 0.5f, 3.0f);
    check_bn(7, 5, 2, -1.0f, 1.0f);
    check_bn(40, 130, 3, 0.5f, 3.0f);    /* more channels than one block */
    check_bn(30, 4, 4, 999.0f, 1001.0f); /* a mean large against the spread */
}

/* ---- losses ------------------------------------------------------------ */

typedef struct xent_ref {
    int B, N;
    double *x, *t; /* [B,N] logits and targets */
} xent_ref;

static double xent_loss(void *ctx) {
    xent_ref *q = ctx;
    double total = 0;
    for (int b = 0; b < q->B; b++) {
        const double *x = q->x + b * q->N, *t = q->t + b * q->N;
        double s = 0;
        for (int k = 0; k < q->N; k++) s += exp(x[k]);
        for (int k = 0; k < q->N; k++) total += t[k] * (log(s) - x[k]);
    }
    return total / q->B;
}

Test(nn_kernels, softmax_xent_sparse_and_dense) {
    enum { B = 4, N = 6 };
    an_rng rng;
    an_rng_seed(&rng, 3, 19);
    float x[B * N], t[B * N] = {0}, d1[B * N], d2[B * N], p[B * N];
    double xd[B * N], td[B * N] = {0}, g[B * N];
    int32_t y[B] = {0, 5, 2, 2};
    gc_fill(x, xd, B * N, &rng, -3, 3);
    for (int b = 0; b < B; b++) t[b * N + y[b]] = 1, td[b * N + y[b]] = 1;
    xent_ref q = {.B = B, .N = N, .x = xd, .t = td};
    const double want = xent_loss(&q);
    float l1 = nn_softmax_xent_sparse(d1, x, y, B, N);
    float l2 = nn_softmax_xent(d2, x, t, B, N);
    cr_assert(fabs(l1 - want) < 1e-5 * (1 + want), "sparse loss %g want %g", l1, want);
    cr_assert(fabs(l2 - want) < 1e-5 * (1 + want), "dense loss %g want %g", l2, want);
    cr_assert_float_eq(nn_softmax_xent_sparse(NULL, x, y, B, N), l1, 0);
    gc_fd_grad(g, xd, B * N, xent_loss, &q, FD_EPS);
    gc_close(d1, g, B * N, 1e-6, 1e-4, "sparse dlogits");
    gc_close(d2, g, B * N, 1e-6, 1e-4, "dense dlogits");

    /* soft targets that do not sum to 1: the gradient is sum(t)*p - t */
    gc_fill(t, td, B * N, &rng, 0, 1);
    const double want_soft = xent_loss(&q);
    float l3 = nn_softmax_xent(d2, x, t, B, N);
    cr_assert(fabs(l3 - want_soft) < 1e-5 * (1 + want_soft), "soft loss %g want %g", l3, want_soft);
    gc_fd_grad(g, xd, B * N, xent_loss, &q, FD_EPS);
    gc_close(d2, g, B * N, 1e-6, 1e-4, "soft dlogits");

    nn_softmax(p, x, B, N);
    for (int b = 0; b < B; b++) {
        double s = 0, z = 0;
        for (int k = 0; k < N; k++) z += exp(xd[b * N + k]);
        for (int k = 0; k < N; k++) {
            s += p[b * N + k];
            double w = exp(xd[b * N + k]) / z;
            cr_assert(fabs(p[b * N + k] - w) < 1e-6, "softmax[%d,%d]", b, k);
        }
        cr_assert(fabs(s - 1) < 1e-6);
    }
}

Test(nn_kernels, softmax_xent_is_stable_for_large_logits) {
    float x[6] = {1000, 0, -1000, -500, 800, 900}, d[6], p[6];
    int32_t y[2] = {1, 0};
    /* row 0: loss = 1000 - 0; row 1: loss = lse(-500, 800, 900) + 500 = 1400 + log(1+e^-100) */
    float l = nn_softmax_xent_sparse(d, x, y, 2, 3);
    cr_assert(isfinite(l) && fabsf(l - 1200.0f) < 1e-3f, "loss %g", l);
    for (int i = 0; i < 6; i++) cr_assert(isfinite(d[i]));
    cr_assert_float_eq(d[0], 0.5f, 1e-6);  /* softmax 1 at the max, over B = 2 */
    cr_assert_float_eq(d[1], -0.5f, 1e-6); /* label cell: (0 - 1) / 2 */
    nn_softmax(p, x, 2, 3);
    cr_assert_float_eq(p[0], 1.0f, 1e-6);
    cr_assert_float_eq(p[5], 1.0f / (1.0f + expf(-100.0f)), 1e-6);
    float t[6] = {0, 1, 0, 1, 0, 0};
    float l2 = nn_softmax_xent(d, x, t, 2, 3);
    cr_assert(fabsf(l2 - 1200.0f) < 1e-3f, "dense loss %g", l2);
}

Test(nn_kernels, softmax_xent_ignores_bad_labels) {
    float x[4] = {1, 2, 3, 4}, d[4];
    int32_t y[2] = {-1, 1};
    float l = nn_softmax_xent_sparse(d, x, y, 2, 2);
    double want = (log(exp(3.0) + exp(4.0)) - 4.0) / 2;
    cr_assert(fabs(l - want) < 1e-6, "loss %g want %g", l, want);
    cr_assert(d[0] == 0 && d[1] == 0, "bad label row has a gradient");
}

/* ---- bias gradient and determinism ------------------------------------- */

Test(nn_kernels, bias_grad_sums_columns_independent_of_threads) {
    const int64_t M = 5001;
    const int N = 70;
    float *x = gc_alloc((size_t)M * N, 4), *db1 = gc_alloc(N, 4), *db2 = gc_alloc(N, 4);
    double *want = gc_alloc(N, 8);
    an_rng rng;
    an_rng_seed(&rng, 9, 23);
    gc_fill(x, NULL, (size_t)M * N, &rng, -1, 1);
    for (int64_t i = 0; i < M; i++)
        for (int j = 0; j < N; j++) want[j] += x[i * N + j];
    for (int j = 0; j < N; j++) db1[j] = db2[j] = 1.0f, want[j] += 1.0;
    nn_set_threads(1);
    nn_bias_grad(db1, x, M, N);
    nn_set_threads(2);
    nn_bias_grad(db2, x, M, N);
    gc_close(db1, want, N, 1e-4, 1e-6, "bias grad");
    cr_assert(memcmp(db1, db2, (size_t)N * 4) == 0, "bias grad depends on the thread count");
    free(x), free(db1), free(db2), free(want);
}

/* One forward and backward pass through conv (3 channels: transposed col)
** -> batchnorm -> conv (16 channels: row col) -> maxpool 2x2/2 over an odd
** size (rows of zero gradient: the packed path), at sizes that take the
** parallel paths. Every output and gradient goes into res, in order. */
static void run_step(float *res, size_t *nres) {
    const int B = 8, C = 3, C1 = 16, C2 = 16;
    nn_window g1 = window(B, 15, 15, C, 3, 3, 1, 1, 1);  /* -> 15x15x16 */
    nn_window g2 = window(B, 15, 15, C1, 3, 3, 1, 1, 0); /* -> 13x13x16 */
    nn_window pg = window(B, 13, 13, C2, 2, 2, 2, 2, 0); /* -> 6x6x16 */
    const size_t ni = in_size(&g1), n1 = out_size(&g1, C1), n2 = out_size(&g2, C2);
    const size_t np = out_size(&pg, C2), nw1 = (size_t)9 * C * C1, nw2 = (size_t)9 * C1 * C2;
    const int64_t nbn = (int64_t)B * 15 * 15;
    an_rng rng;
    an_rng_seed(&rng, 77, 1);
    float *in = gc_alloc(ni, 4), *w1 = gc_alloc(nw1, 4), *w2 = gc_alloc(nw2, 4);
    float *b1 = gc_alloc(C1, 4), *b2 = gc_alloc(C2, 4), *dout = gc_alloc(np, 4);
    size_t ns1 = nn_conv2d_scratch(&g1, C1), ns2 = nn_conv2d_scratch(&g2, C2);
    float *scratch = gc_alloc(ns1 > ns2 ? ns1 : ns2, 4);
    int32_t *am = gc_alloc(np, 4);
    gc_fill(in, NULL, ni, &rng, -1, 1);
    gc_fill(w1, NULL, nw1, &rng, -1, 1);
    gc_fill(w2, NULL, nw2, &rng, -1, 1);
    gc_fill(b1, NULL, C1, &rng, -1, 1);
    gc_fill(b2, NULL, C2, &rng, -1, 1);
    gc_fill(dout, NULL, np, &rng, -1, 1);
    float *a1 = res, *bn = a1 + n1, *a2 = bn + n1, *pool = a2 + n2;            /* activations */
    float *da2 = pool + np, *dbn = da2 + n2, *da1 = dbn + n1, *din = da1 + n1; /* gradients */
    float *dw1 = din + ni, *db1 = dw1 + nw1, *dw2 = db1 + C1, *db2 = dw2 + nw2;
    float *stats = db2 + C2; /* [4*C1]: save_mean, save_invstd, running mean, running var */
    *nres = (size_t)(stats + 4 * C1 - res);
    memset(res, 0, *nres * 4);
    for (int c = 0; c < C1; c++) stats[3 * C1 + c] = 1.0f;
    nn_conv2d_forward(a1, in, w1, b1, &g1, C1, scratch);
    nn_batchnorm_forward(bn, stats, stats + C1, a1, NULL, NULL, stats + 2 * C1, stats + 3 * C1, nbn,
                         C1, 1e-3f, 0.99f, 1);
    nn_conv2d_forward(a2, bn, w2, b2, &g2, C2, scratch);
    nn_maxpool_forward(pool, am, a2, &pg);
    nn_maxpool_backward(da2, dout, am, &pg);
    nn_conv2d_backward(dbn, dw2, db2, da2, bn, w2, &g2, C2, scratch);
    nn_batchnorm_backward(da1, NULL, NULL, dbn, a1, NULL, stats, stats + C1, nbn, C1);
    nn_conv2d_backward(din, dw1, db1, da1, in, w1, &g1, C1, scratch);
    free(in), free(w1), free(w2), free(b1), free(b2), free(dout), free(scratch), free(am);
}

Test(nn_kernels, deterministic_with_two_threads) {
    const size_t cap = 1 << 20;
    float *r1 = gc_alloc(cap, 4), *r2 = gc_alloc(cap, 4);
    size_t n1, n2;
    nn_set_threads(2);
    run_step(r1, &n1);
    run_step(r2, &n2);
    cr_assert(n1 == n2 && n1 <= cap);
    cr_assert(memcmp(r1, r2, n1 * 4) == 0, "two identical runs differ");
    free(r1), free(r2);
}

Test(nn_kernels, im2col_col2im_pool_match_across_thread_counts) {
    /* Non-GEMM kernels must not depend on the thread count at all. */
    nn_window g = window(8, 16, 16, 8, 2, 2, 2, 2, 0);
    const size_t ni = in_size(&g), no = out_size(&g, g.C);
    float *in = gc_alloc(ni, 4), *o1 = gc_alloc(no, 4), *o2 = gc_alloc(no, 4);
    float *d1 = gc_alloc(ni, 4), *d2 = gc_alloc(ni, 4);
    int32_t *am = gc_alloc(no, 4);
    an_rng rng;
    an_rng_seed(&rng, 5, 5);
    gc_fill(in, NULL, ni, &rng, -1, 1);
    nn_set_threads(1);
    nn_avgpool_forward(o1, in, &g);
    nn_avgpool_backward(d1, o1, &g);
    nn_set_threads(2);
    nn_avgpool_forward(o2, in, &g);
    nn_avgpool_backward(d2, o2, &g);
    cr_assert(memcmp(o1, o2, no * 4) == 0 && memcmp(d1, d2, ni * 4) == 0);
    nn_set_threads(1);
    nn_maxpool_forward(o1, am, in, &g);
    nn_maxpool_backward(d1, o1, am, &g);
    nn_set_threads(2);
    nn_maxpool_forward(o2, am, in, &g);
    nn_maxpool_backward(d2, o2, am, &g);
    cr_assert(memcmp(o1, o2, no * 4) == 0 && memcmp(d1, d2, ni * 4) == 0);
    free(in), free(o1), free(o2), free(d1), free(d2), free(am);
}
