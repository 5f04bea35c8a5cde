/*
** The fast path's grouped and depthwise conv2d (groups > 1), on every fast
** impl: the packed int16 / VNNI kernels assume a dense conv, so grouped
** layers come here instead. Plain C over blocks of up to Q_GROUP_BLOCK
** output channels of one output pixel, channels innermost (for depthwise,
** one multiply-add per channel per tap, a loop the compiler vectorizes);
** a padding tap multiplies the input zero point. Integer sums are exact and
** the validator bounds every accumulator within int32, so the reordering
** against q_ref_conv2d cannot change a value: the result is the
** reference's bit for bit (tests/test_quant_group.c checks every impl).
*/
#include "quant_internal.h"

#include <string.h>

/* Output channels accumulated at a time (a stack array of int32). */
#define Q_GROUP_BLOCK 256

/* Add tap (ky, kx) of output channels [o0, o1) to acc; px is the input
** pixel [C] or NULL for a padding cell (every value the zero point). */
static void group_tap(const an_q_layer *l, const an_tensor *in, const int8_t *px, int ky, int kx,
                      int o0, int o1, int32_t *acc) {
    const int CG = in->c / l->groups, OCG = l->c / l->groups;
    const int64_t tap = ((int64_t)ky * l->kw + kx) * CG;
    if (px && CG == 1 && OCG == 1) { /* depthwise, multiplier 1 */
        const int8_t *w = l->weights + tap;
        for (int oc = o0; oc < o1; oc++)
            acc[oc - o0] += (int32_t)px[oc] * (int32_t)w[(int64_t)oc * l->k];
        return;
    }
    for (int oc = o0; oc < o1; oc++) {
        const int8_t *w = l->weights + (int64_t)oc * l->k + tap; /* [CG] */
        int32_t s = 0;
        if (px) {
            const int8_t *v = px + (oc / OCG) * CG;
            for (int ic = 0; ic < CG; ic++) s += (int32_t)v[ic] * (int32_t)w[ic];
        } else {
            for (int ic = 0; ic < CG; ic++) s += (int32_t)w[ic];
            s *= in->zero_point;
        }
        acc[oc - o0] += s;
    }
}

/* Output row oy of a grouped conv. */
static void group_row(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y,
                      int oy) {
    const int H = in->h, W = in->w, C = in->c;
    int32_t acc[Q_GROUP_BLOCK];
    for (int ox = 0; ox < l->w; ox++) {
        int8_t *dst = y + ((int64_t)oy * l->w + ox) * l->c;
        for (int o0 = 0; o0 < l->c; o0 += Q_GROUP_BLOCK) {
            const int o1 = l->c - o0 < Q_GROUP_BLOCK ? l->c : o0 + Q_GROUP_BLOCK;
            memcpy(acc, l->bias + o0, (size_t)(o1 - o0) * sizeof *acc);
            for (int ky = 0; ky < l->kh; ky++) {
                const int iy = oy * l->sh - l->pt + ky;
                for (int kx = 0; kx < l->kw; kx++) {
                    const int ix = ox * l->sw - l->pl + kx;
                    const int inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                    group_tap(l, in, inside ? x + ((int64_t)iy * W + ix) * C : NULL, ky, kx, o0, o1,
                              acc);
                }
            }
            for (int oc = o0; oc < o1; oc++)
                dst[oc] = q_requant(acc[oc - o0], l->mult[oc], l->shift[oc], l->zero_point,
                                    l->act_min, l->act_max);
        }
    }
}

void q_fast_group_conv2d(const an_q_layer *l, const an_tensor *in, const int8_t *x, int8_t *y,
                         int par) {
#pragma omp parallel for schedule(static) if (par)
    for (int oy = 0; oy < l->h; oy++) group_row(l, in, x, y, oy);
}
