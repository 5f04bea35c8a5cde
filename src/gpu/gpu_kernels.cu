/*
** CUDA kernels of the int8 graph, one thread per output element, with the
** reference engine's integer semantics (src/quant/ref_engine.c,
** src/quant/requant.c): int32 accumulation from the bias, padding cells
** holding the input zero point, gemmlowp SaturatingRoundingDoublingHighMul
** and RoundingDivideByPOT, TFLite average pool rounding and int8 add.
*/
#include "gpu_internal.h"

__device__ static int32_t d_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    const long long ab = (long long)a * (long long)b;
    const long long nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    return (int32_t)((ab + nudge) / (1LL << 31));
}

__device__ static int32_t d_rdbpot(int32_t x, int e) {
    if (e <= 0) return x;
    if (e > 31) e = 31;
    const long long mask = (1LL << e) - 1, rem = (long long)x & mask;
    const long long thr = (mask >> 1) + (x < 0 ? 1 : 0);
    return (int32_t)(((long long)x - rem) / (1LL << e) + (rem > thr ? 1 : 0));
}

__device__ static int32_t d_mbqm(int32_t x, int32_t m, int s) {
    long long v = (long long)x * (1LL << (s > 0 ? s : 0));
    if (v > INT32_MAX) v = INT32_MAX;
    if (v < INT32_MIN) v = INT32_MIN;
    return d_rdbpot(d_srdhm((int32_t)v, m), s > 0 ? 0 : -s);
}

__device__ static int8_t d_requant(int32_t acc, int32_t m, int32_t s, int32_t zp, int32_t lo,
                                   int32_t hi) {
    long long v = (long long)d_mbqm(acc, m, s) + zp;
    return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

struct conv_args {
    int H, W, C, zp, oh, ow, oc, kh, kw, sh, sw, pt, pl, k, zpo, lo, hi;
};

__global__ static void k_conv(conv_args a, const int8_t *w, const int32_t *bias,
                              const int32_t *mult, const int32_t *shift, const int8_t *x, int8_t *y,
                              long long total) {
    const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= total) return;
    const int oc = (int)(i % a.oc);
    const long long p = i / a.oc;
    const int ox = (int)(p % a.ow), oy = (int)(p / a.ow % a.oh);
    const long long b = p / ((long long)a.ow * a.oh);
    const int8_t *xs = x + b * (long long)a.H * a.W * a.C;
    const int8_t *wk = w + (long long)oc * a.k;
    int32_t acc = bias[oc];
    for (int ky = 0; ky < a.kh; ky++)
        for (int kx = 0; kx < a.kw; kx++) {
            const int iy = oy * a.sh - a.pt + ky, ix = ox * a.sw - a.pl + kx;
            const bool in = iy >= 0 && iy < a.H && ix >= 0 && ix < a.W;
            for (int c = 0; c < a.C; c++) {
                const int32_t v = in ? xs[((long long)iy * a.W + ix) * a.C + c] : a.zp;
                acc += v * (int32_t)wk[(ky * a.kw + kx) * a.C + c];
            }
        }
    y[i] = d_requant(acc, mult[oc], shift[oc], a.zpo, a.lo, a.hi);
}

__global__ static void k_dense(int K, int N, const int8_t *w, const int32_t *bias,
                               const int32_t *mult, const int32_t *shift, int zpo, int lo, int hi,
                               const int8_t *x, int8_t *y, long long total) {
    const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= total) return;
    const int n = (int)(i % N);
    const int8_t *xs = x + (i / N) * K, *wn = w + (long long)n * K;
    int32_t acc = bias[n];
    for (int k = 0; k < K; k++) acc += (int32_t)xs[k] * (int32_t)wn[k];
    y[i] = d_requant(acc, mult[n], shift[n], zpo, lo, hi);
}

struct pool_args {
    int H, W, C, oh, ow, kh, kw, sh, sw, pt, pl, avg;
};

__global__ static void k_pool(pool_args a, const int8_t *x, int8_t *y, long long total) {
    const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= total) return;
    const int c = (int)(i % a.C);
    const long long p = i / a.C;
    const int ox = (int)(p % a.ow), oy = (int)(p / a.ow % a.oh);
    const int8_t *xs = x + p / ((long long)a.ow * a.oh) * ((long long)a.H * a.W * a.C);
    const int y0 = oy * a.sh - a.pt, x0 = ox * a.sw - a.pl;
    const int ky0 = y0 < 0 ? -y0 : 0, ky1 = y0 + a.kh > a.H ? a.H - y0 : a.kh;
    const int kx0 = x0 < 0 ? -x0 : 0, kx1 = x0 + a.kw > a.W ? a.W - x0 : a.kw;
    int32_t m = -128, sum = 0;
    for (int ky = ky0; ky < ky1; ky++)
        for (int kx = kx0; kx < kx1; kx++) {
            const int32_t v = xs[((long long)(y0 + ky) * a.W + x0 + kx) * a.C + c];
            m = v > m ? v : m;
            sum += v;
        }
    if (!a.avg) {
        y[i] = (int8_t)m;
        return;
    }
    const int32_t n = (ky1 - ky0) * (kx1 - kx0);
    const int32_t avg = sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
    y[i] = (int8_t)(avg < -128 ? -128 : avg > 127 ? 127 : avg);
}

struct add_args {
    int zpa, zpb, m0, s0, m1, s1, m2, s2, zpo, lo, hi;
};

__global__ static void k_add(add_args a, const int8_t *xa, const int8_t *xb, int8_t *y,
                             long long total) {
    const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= total) return;
    const int32_t va = ((int32_t)xa[i] - a.zpa) * (1 << AN_Q_ADD_LEFT_SHIFT);
    const int32_t vb = ((int32_t)xb[i] - a.zpb) * (1 << AN_Q_ADD_LEFT_SHIFT);
    const int32_t s = d_mbqm(va, a.m0, a.s0) + d_mbqm(vb, a.m1, a.s1);
    y[i] = d_requant(s, a.m2, a.s2, a.zpo, a.lo, a.hi);
}

static unsigned blocks(long long total) {
    return (unsigned)((total + 255) / 256);
}

void gpu_launch_conv(const an_q_layer *l, const gpu_layer *d, an_tensor in, const int8_t *x,
                     int8_t *y, int B, cudaStream_t st) {
    const conv_args a = {in.h,  in.w,  in.c,          in.zero_point, l->h,      l->w,
                         l->c,  l->kh, l->kw,         l->sh,         l->sw,     l->pt,
                         l->pl, l->k,  l->zero_point, l->act_min,    l->act_max};
    const long long total = (long long)B * l->h * l->w * l->c;
    k_conv<<<blocks(total), 256, 0, st>>>(a, d->w, d->bias, d->mult, d->shift, x, y, total);
}

void gpu_launch_dense(const an_q_layer *l, const gpu_layer *d, const int8_t *x, int8_t *y, int B,
                      cudaStream_t st) {
    const long long total = (long long)B * l->c;
    k_dense<<<blocks(total), 256, 0, st>>>(l->k, l->c, d->w, d->bias, d->mult, d->shift,
                                           l->zero_point, l->act_min, l->act_max, x, y, total);
}

void gpu_launch_pool(const an_q_layer *l, an_tensor in, const int8_t *x, int8_t *y, int B,
                     cudaStream_t st) {
    const pool_args a = {in.h,  in.w,  in.c,  l->h,  l->w,  l->kh,
                         l->kw, l->sh, l->sw, l->pt, l->pl, l->op == AN_Q_AVGPOOL};
    const long long total = (long long)B * l->h * l->w * l->c;
    k_pool<<<blocks(total), 256, 0, st>>>(a, x, y, total);
}

void gpu_launch_add(const an_q_layer *l, an_tensor a, an_tensor b, const int8_t *xa,
                    const int8_t *xb, int8_t *y, int B, cudaStream_t st) {
    const add_args r = {a.zero_point,   b.zero_point,    l->add_mult[0], l->add_shift[0],
                        l->add_mult[1], l->add_shift[1], l->add_mult[2], l->add_shift[2],
                        l->zero_point,  l->act_min,      l->act_max};
    const long long total = (long long)B * l->h * l->w * l->c;
    k_add<<<blocks(total), 256, 0, st>>>(r, xa, xb, y, total);
}
