/*
** 2-D convolution, NHWC input, HWIO weights, by im2col and one sgemm
** (nn_sgemm: OpenBLAS split over OpenMP threads) over the whole batch.
**
** Contract
** - Forward: col [B*OH*OW, KH*KW*C] (im2col of in, zeros for padding
**   cells) times w viewed as [KH*KW*C, OC] gives out [B*OH*OW, OC], which is
**   already NHWC. out is overwritten. Each thread builds and multiplies its
**   share of col in cache-sized chunks (see conv_forward_chunked), the bias
**   written into out's rows first and the sgemm accumulating onto it; at
**   batch 256 this is 30% faster than one whole-batch col, which no longer
**   fits in cache.
** - With few input channels (C < SMALL_C, e.g. a first layer on grey or
**   RGB images) col is built transposed, colT [KH*KW*C, B*OH*OW]: each tap
**   of an output row is then one contiguous run (a memcpy when C = 1 and
**   the stride is 1) instead of OW copies of C floats, and the sgemm calls
**   read it with the transpose flag flipped. Results are the same.
** - Backward: db += dout^T @ ones (an sgemv per column slice), col is
**   rebuilt from in, dw += col^T @ dout, then (only when din is not NULL)
**   the col space receives dcol = dout @ w^T, which col2im gathers into din
**   (overwritten). A NULL dw or db skips that part (a frozen layer).
** - Backward with C >= SMALL_C skips the rows of dout that are all zero
**   (outputs a floor-mode max pool never picked, or that ReLU cut): when at
**   least 1 in SKIP_FRACTION is zero, im2col builds only the other rows,
**   their dout rows are packed beside, and both products and col2im run on
**   the packed rows. Only exact-zero terms are left out, so results match
**   the unpacked products up to rounding, and packing depends on the data
**   alone (not on timing).
** - Scratch (nn_conv2d_scratch floats): col/dcol [B*OH*OW, KH*KW*C], ones
**   [B*OH*OW], then for C >= SMALL_C the packed dout [B*OH*OW, OC] and the
**   row map [B*OH*OW] (int32). A pointwise conv (1x1, stride 1, no padding)
**   multiplies in/din directly and needs only the ones.
** - im2col and col2im split their rows over OpenMP threads; each output
**   element is written by one thread in a fixed order, so results do not
**   depend on scheduling. Products are split over the same threads (by
**   rows of the result, never along a sum), so for a fixed thread count the
**   results are the same on every run.
** - Limits: B*OH*OW, KH*KW*C and OC must each fit in an int (cblas).
*/
#include "nn/kernels.h"

#include <cblas.h>
#include <omp.h>
#include <stddef.h>
#include <string.h>

/* Parallelise a loop only when it moves at least this many floats: below
** it, waking the OpenMP team costs more than the loop. */
#define PAR_MIN_FLOATS 32768
/* Below this many input channels col is built transposed (see above). */
#define SMALL_C 4
/* Backward multiplies only the nonzero rows of dout when at least 1 in
** SKIP_FRACTION rows is zero. */
#define SKIP_FRACTION 16
/* Forward builds col in chunks of about this many floats per thread
** (256 KiB: well inside a core's L2 cache). */
#define CHUNK_FLOATS 65536
/* Below this many flops a forward runs on the calling thread alone. */
#define GEMM_PAR_MIN_FLOPS 1.0e6

/* True when the convolution reads in exactly as its col matrix. */
static int is_pointwise(const nn_window *g) {
    return g->KH == 1 && g->KW == 1 && g->SH == 1 && g->SW == 1 && g->PT == 0 && g->PL == 0 &&
           g->OH == g->H && g->OW == g->W;
}

size_t nn_conv2d_scratch(const nn_window *g, int OC) {
    const size_t rows = (size_t)g->B * (size_t)g->OH * (size_t)g->OW;
    const size_t kk = (size_t)g->KH * (size_t)g->KW * (size_t)g->C;
    /* col, ones, then (row layout) compact dout and its row map */
    size_t n = rows;
    if (!is_pointwise(g)) n += rows * kk;
    if (!is_pointwise(g) && g->C >= SMALL_C) n += rows * (size_t)(OC > 0 ? OC : 0) + rows;
    return n > 0 ? n : 1;
}

/* d[0..n) = s[0..n). Rows are often short (a few channels), where a memcpy
** call costs more than the copy: those go in 16-byte moves and a tail. */
static inline void copy_floats(float *restrict d, const float *restrict s, int n) {
    if (n >= 32) {
        memcpy(d, s, (size_t)n * sizeof(float));
        return;
    }
    int i = 0;
    for (; i + 4 <= n; i += 4) memcpy(d + i, s + i, 4 * sizeof(float));
    if (i < n) d[i] = s[i];
    if (i + 1 < n) d[i + 1] = s[i + 1];
    if (i + 2 < n) d[i + 2] = s[i + 2];
}

static inline void zero_floats(float *d, int n) {
#pragma omp simd
    for (int i = 0; i < n; i++) d[i] = 0.0f;
}

/* d[0..n) += s[0..n). */
static inline void add_floats(float *restrict d, const float *restrict s, int n) {
#pragma omp simd
    for (int i = 0; i < n; i++) d[i] += s[i];
}

/* Output columns [*lo, *hi) whose tap kw reads a real input column (not
** padding), for input width W and OW outputs. */
static inline void tap_range(int kw, int SW, int PL, int W, int OW, int *lo, int *hi) {
    /* need 0 <= ow*SW - PL + kw <= W - 1 */
    const int a = PL - kw, z = W - 1 + PL - kw;
    const int l = a <= 0 ? 0 : (a + SW - 1) / SW;
    const int h = z < 0 ? 0 : z / SW + 1;
    *lo = l < OW ? l : OW;
    *hi = h < OW ? (h > *lo ? h : *lo) : OW;
}

/* The window of output (oh, ow) as one row of col: d [KH*KW*C] from the
** sample's src [H, W, C]. */
static void im2col_pixel(float *d, const float *src, const nn_window *g, int oh, int ow) {
    const int H = g->H, W = g->W, C = g->C, KW = g->KW;
    const int kwc = KW * C;
    const int iw0 = ow * g->SW - g->PL;
    const int inside = iw0 >= 0 && iw0 + KW <= W;
    for (int kh = 0; kh < g->KH; kh++, d += kwc) { /* d: [KW, C] of tap row kh */
        const int ih = oh * g->SH - g->PT + kh;
        if (ih < 0 || ih >= H) {
            zero_floats(d, kwc);
        } else if (inside) {
            copy_floats(d, src + ((size_t)ih * W + iw0) * C, kwc);
        } else {
            for (int kw = 0; kw < KW; kw++) {
                const int iw = iw0 + kw;
                if (iw < 0 || iw >= W)
                    zero_floats(d + kw * C, C);
                else
                    copy_floats(d + kw * C, src + ((size_t)ih * W + iw) * C, C);
            }
        }
    }
}

/* One output row of colT: for every tap (kh, kw, c), the OW entries of
** this row, at dst + tap*M (dst = colT + first column of the row). */
static void im2col_row_t(float *dst, size_t M, const float *src, const nn_window *g, int oh) {
    const int H = g->H, W = g->W, C = g->C, OW = g->OW, KW = g->KW, SW = g->SW;
    for (int kh = 0; kh < g->KH; kh++) {
        const int ih = oh * g->SH - g->PT + kh;
        for (int kw = 0; kw < KW; kw++) {
            int lo = OW, hi = OW; /* all padding unless the row is real */
            if (ih >= 0 && ih < H) tap_range(kw, SW, g->PL, W, OW, &lo, &hi);
            for (int c = 0; c < C; c++) {
                float *d = dst + ((size_t)(kh * KW + kw) * C + c) * M; /* [OW] */
                zero_floats(d, lo);
                if (hi > lo) {
                    /* input cell of output ow: (ih, ow*SW - PL + kw), channel c */
                    const float *s = src + ((size_t)ih * W + lo * SW - g->PL + kw) * C + c;
                    if (C == 1 && SW == 1)
                        memcpy(d + lo, s, (size_t)(hi - lo) * sizeof(float));
                    else
                        for (int ow = lo; ow < hi; ow++) d[ow] = s[(size_t)(ow - lo) * SW * C];
                }
                zero_floats(d + hi, OW - hi);
            }
        }
    }
}

/* col [M, KH*KW*C] (or colT [KH*KW*C, M] when trans) from in [B, H, W, C]
** with M = B*OH*OW; padding cells become 0. Row (b, oh, ow) of col holds
** the window at that output in (kh, kw, c) order, matching the HWIO weight
** layout flattened to [KH*KW*C, OC]. With a map (row layout only), output
** p goes to col row map[p] and is skipped when map[p] < 0; dout [M, OC] row
** p is copied to doutc row map[p] on the way. */
static void im2col(float *col, int trans, const float *in, const nn_window *g, int OC,
                   const int32_t *map, const float *dout, float *doutc) {
    const int OH = g->OH, OW = g->OW, rows = g->B * OH;
    const size_t kk = (size_t)g->KH * g->KW * g->C, M = (size_t)rows * OW;
    const size_t img = (size_t)g->H * g->W * g->C;
#pragma omp parallel for schedule(static) if (M * kk >= PAR_MIN_FLOATS)
    for (int r = 0; r < rows; r++) {
        const int b = r / OH, oh = r % OH;
        const float *src = in + (size_t)b * img; /* [H, W, C] of sample b */
        const size_t p0 = (size_t)r * OW;        /* first output of this row */
        if (trans) {
            im2col_row_t(col + p0, M, src, g, oh);
        } else if (map) {
            for (int ow = 0; ow < OW; ow++) {
                const int32_t q = map[p0 + ow];
                if (q < 0) continue;
                im2col_pixel(col + (size_t)q * kk, src, g, oh, ow);
                copy_floats(doutc + (size_t)q * OC, dout + (p0 + ow) * OC, OC);
            }
        } else {
            for (int ow = 0; ow < OW; ow++) im2col_pixel(col + (p0 + ow) * kk, src, g, oh, ow);
        }
    }
}

/* Forward by chunks: each thread takes a contiguous share of the output
** rows (b, oh) and walks it in chunks of about CHUNK_FLOATS floats of col,
** building each chunk in its own part of the col space (so it stays in
** the core's cache), setting those rows of out to the bias, and multiplying
** it by w with a single-threaded sgemm. No barrier between the steps. */
static void conv_forward_chunked(float *out, const float *in, const float *w, const float *bias,
                                 const nn_window *g, int OC, float *col) {
    const int OH = g->OH, OW = g->OW, rows = g->B * OH, trans = g->C < SMALL_C;
    const int K = g->KH * g->KW * g->C;
    const size_t img = (size_t)g->H * g->W * g->C;
    const int per_chunk =
        CHUNK_FLOATS / ((size_t)OW * K) > 0 ? (int)(CHUNK_FLOATS / ((size_t)OW * K)) : 1;
    const double flops = 2.0 * rows * OW * (double)K * OC;
    const int team = flops >= GEMM_PAR_MIN_FLOPS ? omp_get_max_threads() : 1;
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
#pragma omp parallel num_threads(team) if (team > 1)
    {
        const int t = omp_get_thread_num(), n = omp_get_num_threads();
        const int r0 = (int)((int64_t)rows * t / n), r1 = (int)((int64_t)rows * (t + 1) / n);
        float *buf = col + (size_t)r0 * OW * K; /* this thread's part of the col space */
        for (int c0 = r0; c0 < r1; c0 += per_chunk) {
            const int c1 = c0 + per_chunk < r1 ? c0 + per_chunk : r1;
            const int mp = (c1 - c0) * OW; /* rows of this chunk's col */
            for (int r = c0; r < c1; r++) {
                const int b = r / OH, oh = r % OH;
                const float *src = in + (size_t)b * img; /* [H, W, C] of sample b */
                const size_t q0 = (size_t)(r - c0) * OW; /* first chunk row of output row r */
                if (trans)
                    im2col_row_t(buf + q0, (size_t)mp, src, g, oh);
                else
                    for (int ow = 0; ow < OW; ow++)
                        im2col_pixel(buf + (q0 + ow) * K, src, g, oh, ow);
                if (bias) {
                    float *o = out + (size_t)r * OW * OC; /* [OW, OC] */
                    for (int ow = 0; ow < OW; ow++) copy_floats(o + (size_t)ow * OC, bias, OC);
                }
            }
            /* out rows [c0*OW, c1*OW) (+)= chunk col [mp, K] @ w [K, OC] */
            cblas_sgemm(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, CblasNoTrans, mp, OC, K,
                        1.0f, buf, trans ? mp : K, w, OC, bias ? 1.0f : 0.0f,
                        out + (size_t)c0 * OW * OC, OC);
        }
    }
}

/* map [M]: for each row of dout [M, OC] that has a nonzero, its index among
** those rows (in order), else -1. Returns how many rows are nonzero. */
static int nonzero_rows(int32_t *map, const float *dout, int M, int OC) {
#pragma omp parallel for schedule(static) if ((size_t)M * OC >= 4 * PAR_MIN_FLOATS)
    for (int p = 0; p < M; p++) {
        const float *d = dout + (size_t)p * OC; /* [OC] */
        int nz = 0;
        for (int c = 0; c < OC && !nz; c++) nz = d[c] != 0.0f;
        map[p] = nz;
    }
    int n = 0;
    for (int p = 0; p < M; p++) map[p] = map[p] ? n++ : -1;
    return n;
}

/* din [B, H, W, C] = sum of the dcol [M, KH*KW*C] (or dcolT [KH*KW*C, M])
** entries that im2col copied from each input cell: the adjoint of im2col.
** With a map (row layout only), output p's entries are in row map[p] of
** dcol, and there are none when map[p] < 0 (a zero row). Each thread owns
** whole input rows (b, ih), zeroes them and gathers into them in a fixed
** (kh, kw, ow) order. */
static void col2im(float *din, const float *dcol, int trans, const int32_t *map,
                   const nn_window *g) {
    const int H = g->H, W = g->W, C = g->C, OH = g->OH, OW = g->OW;
    const int KH = g->KH, KW = g->KW, SH = g->SH, SW = g->SW, PT = g->PT, PL = g->PL;
    const int rows = g->B * H, kwc = KW * C;
    const size_t kk = (size_t)KH * (size_t)kwc, M = (size_t)g->B * OH * OW;
#pragma omp parallel for schedule(static) if (M * kk >= PAR_MIN_FLOATS)
    for (int r = 0; r < rows; r++) {
        const int b = r / H, ih = r % H;
        float *d = din + (size_t)r * W * C; /* [W, C]: input row (b, ih) */
        zero_floats(d, W * C);
        for (int kh = 0; kh < KH; kh++) {
            const int t = ih + PT - kh; /* = oh * SH when output row oh read row ih */
            if (t < 0 || t % SH != 0 || t / SH >= OH) continue;
            const int oh = t / SH;
            const size_t p0 = ((size_t)b * OH + oh) * OW; /* first output of row oh */
            if (trans) {
                for (int kw = 0; kw < KW; kw++) {
                    int lo, hi;
                    tap_range(kw, SW, PL, W, OW, &lo, &hi);
                    for (int c = 0; c < C; c++) {
                        /* [OW] entries of tap (kh, kw, c) for output row oh */
                        const float *s = dcol + ((size_t)(kh * KW + kw) * C + c) * M + p0;
                        float *dd = d + (ptrdiff_t)(lo * SW - PL + kw) * C + c;
                        if (C == 1 && SW == 1)
                            add_floats(dd, s + lo, hi - lo);
                        else
                            for (int ow = lo; ow < hi; ow++)
                                dd[(size_t)(ow - lo) * SW * C] += s[ow];
                    }
                }
                continue;
            }
            for (int ow = 0; ow < OW; ow++) {
                const int32_t q = map ? map[p0 + ow] : (int32_t)(p0 + ow);
                if (q < 0) continue;
                const float *c = dcol + (size_t)q * kk + (size_t)kh * kwc; /* [KW, C] */
                const int iw0 = ow * SW - PL;
                if (iw0 >= 0 && iw0 + KW <= W) {
                    add_floats(d + (size_t)iw0 * C, c, kwc);
                    continue;
                }
                for (int kw = 0; kw < KW; kw++) {
                    const int iw = iw0 + kw;
                    if (iw >= 0 && iw < W) add_floats(d + (size_t)iw * C, c + kw * C, C);
                }
            }
        }
    }
}

/* out [M, OC] rows = bias [OC], rows split over threads. */
static void fill_bias(float *out, const float *bias, int M, int OC) {
#pragma omp parallel for schedule(static) if ((size_t)M * OC >= PAR_MIN_FLOATS)
    for (int i = 0; i < M; i++) copy_floats(out + (size_t)i * OC, bias, OC);
}

/* db [OC] += column sums of dout [M, OC], as dout^T @ ones with ones [M] (all
** 1.0): single-threaded sgemv on column slices, one slice per thread. */
static void conv_bias_grad(float *db, const float *dout, float *ones, int M, int OC) {
    for (int i = 0; i < M; i++) ones[i] = 1.0f;
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
    const int team = (size_t)M * OC >= 4 * PAR_MIN_FLOATS && OC >= 16 ? omp_get_max_threads() : 1;
#pragma omp parallel num_threads(team) if (team > 1)
    {
        const int t = omp_get_thread_num(), n = omp_get_num_threads();
        const int c0 = OC * t / n, c1 = OC * (t + 1) / n;
        if (c1 > c0)
            cblas_sgemv(CblasRowMajor, CblasTrans, M, c1 - c0, 1.0f, dout + c0, OC, ones, 1, 1.0f,
                        db + c0, 1);
    }
}

void nn_conv2d_forward(float *out, const float *in, const float *w, const float *b,
                       const nn_window *g, int OC, float *scratch) {
    const int M = g->B * g->OH * g->OW;
    const int K = g->KH * g->KW * g->C;
    if (M <= 0 || OC <= 0) return;
    if (K <= 0) { /* no input channels: the bias alone */
        if (b)
            fill_bias(out, b, M, OC);
        else
            memset(out, 0, (size_t)M * OC * sizeof(float));
        return;
    }
    const float beta = b ? 1.0f : 0.0f; /* out holds the bias before the sgemm */
    if (is_pointwise(g)) {
        if (b) fill_bias(out, b, M, OC);
        /* out [M, OC] (+)= in [M, C] @ w [C, OC] */
        nn_sgemm(0, 0, M, OC, K, 1.0f, in, K, w, OC, beta, out, OC);
        return;
    }
    conv_forward_chunked(out, in, w, b, g, OC, scratch);
}

void nn_conv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                        const float *w, const nn_window *g, int OC, float *scratch) {
    const int M = g->B * g->OH * g->OW;
    const int K = g->KH * g->KW * g->C;
    const size_t in_n = (size_t)g->B * g->H * g->W * g->C;
    if (M <= 0 || OC <= 0 || K <= 0) {
        if (din) memset(din, 0, in_n * sizeof(float));
        return;
    }
    const int pointwise = is_pointwise(g), trans = g->C < SMALL_C;
    if (db) conv_bias_grad(db, dout, scratch + (pointwise ? 0 : (size_t)M * K), M, OC);
    if (pointwise) {
        /* dw [C, OC] += in^T [C, M] @ dout [M, OC]; din [M, C] = dout @ w^T [OC, C] */
        if (dw) nn_sgemm(1, 0, K, OC, M, 1.0f, in, K, dout, OC, 1.0f, dw, OC);
        if (din) nn_sgemm(0, 1, M, K, OC, 1.0f, dout, OC, w, OC, 0.0f, din, K);
        return;
    }
    /* Zero rows of dout (outputs a floor-mode pool never read, say) add
    ** nothing to dw and give zero rows of dcol: when enough are zero, only
    ** the others are im2col'd and multiplied, in compact form. */
    const int32_t *map = NULL;
    int Mc = M;                                 /* rows in the products */
    float *doutc = scratch + (size_t)M * K + M; /* [Mc, OC] compact dout */
    if (!trans && (dw || din)) {
        int32_t *m = (int32_t *)(doutc + (size_t)M * OC); /* [M] */
        const int nz = nonzero_rows(m, dout, M, OC);
        const int min_zero = M / SKIP_FRACTION > 1 ? M / SKIP_FRACTION : 1;
        if (M - nz >= min_zero) map = m, Mc = nz;
    }
    const float *dy = map ? doutc : dout; /* [Mc, OC] */
    if (dw || map) im2col(scratch, trans, in, g, OC, map, dout, doutc);
    /* dw [K, OC] += col^T [K, Mc] @ dy [Mc, OC]  (colT used as is when trans) */
    if (dw && trans)
        nn_sgemm(0, 0, K, OC, M, 1.0f, scratch, M, dout, OC, 1.0f, dw, OC);
    else if (dw && Mc > 0)
        nn_sgemm(1, 0, K, OC, Mc, 1.0f, scratch, K, dy, OC, 1.0f, dw, OC);
    if (!din) return;
    /* dcol [Mc, K] = dy [Mc, OC] @ w^T [OC, K] into the col space, which is
    ** done with (dcolT [K, M] = w [K, OC] @ dout^T when trans) */
    if (trans)
        nn_sgemm(0, 1, K, M, OC, 1.0f, w, OC, dout, OC, 0.0f, scratch, M);
    else if (Mc > 0)
        nn_sgemm(0, 1, Mc, K, OC, 1.0f, dy, OC, w, OC, 0.0f, scratch, K);
    col2im(din, scratch, trans, map, g);
}
