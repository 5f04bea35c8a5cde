/*
** Requantization arithmetic, bit-exact with gemmlowp (fixedpoint.h) and the
** TFLite reference kernels (quantization_util.cc, common.h):
**
**   SRDHM(a, b)   = (a == b == INT32_MIN) ? INT32_MAX
**                   : (int32)((a * (int64)b + nudge) / 2^31)   C division,
**                   nudge = 2^30 if a*b >= 0 else 1 - 2^30
**   RDBPOT(x, n)  = floor(x / 2^n) + (rem > (mask >> 1) + (x < 0))
**                   mask = 2^n - 1, rem = x & mask     (ties away from zero)
**   MBQM(x, m, s) = RDBPOT(SRDHM(sat32(x * 2^max(s,0)), m), max(-s,0))
**
** The only deviation from TFLite: the left shift saturates to int32 where
** TFLite's would overflow (undefined behaviour there); the quantizer keeps
** left shifts at 0 for conv and dense, so this never differs in practice.
*/
#include "asicnn/quant.h"

#include <math.h>

int32_t an_q_srdhm(int32_t a, int32_t b) {
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    const int64_t ab = (int64_t)a * (int64_t)b;
    const int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : (1 - (INT64_C(1) << 30));
    /* C division truncates toward zero, as gemmlowp's does */
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

int32_t an_q_rdbpot(int32_t x, int exponent) {
    if (exponent <= 0) return x;
    if (exponent > 31) exponent = 31;
    const int64_t mask = (INT64_C(1) << exponent) - 1;
    const int64_t rem = (int64_t)x & mask; /* two's complement low bits */
    const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    /* floor(x / 2^exponent) without relying on >> of a negative number */
    const int64_t fl = ((int64_t)x - rem) / (INT64_C(1) << exponent);
    return (int32_t)(fl + (rem > threshold ? 1 : 0));
}

int32_t an_q_mul_by_quantized(int32_t x, int32_t multiplier, int shift) {
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    int64_t v = (int64_t)x * (INT64_C(1) << left);
    if (v > INT32_MAX) v = INT32_MAX;
    if (v < INT32_MIN) v = INT32_MIN;
    return an_q_rdbpot(an_q_srdhm((int32_t)v, multiplier), right);
}

int32_t an_q_round_sat32(double x) {
    if (!(x == x)) return 0; /* NaN */
    double r = x >= 0 ? floor(x + 0.5) : ceil(x - 0.5);
    if (r >= 2147483647.0) return INT32_MAX;
    if (r <= -2147483648.0) return INT32_MIN;
    return (int32_t)r;
}

an_status an_q_quantize_multiplier(double real, int32_t *multiplier, int *shift) {
    *multiplier = 0;
    *shift = 0;
    if (!isfinite(real) || real < 0)
        return an_fail(AN_ERR_RANGE, "requantization multiplier %g is not a finite value >= 0",
                       real);
    if (real == 0) return AN_OK;
    int e;
    const double q = frexp(real, &e); /* real = q * 2^e, q in [0.5, 1) */
    int64_t q_fixed = (int64_t)round(q * (double)(INT64_C(1) << 31));
    if (q_fixed == (INT64_C(1) << 31)) {
        q_fixed /= 2;
        e++;
    }
    if (e < -31) return AN_OK; /* rounds to zero */
    if (e > 30)
        return an_fail(AN_ERR_RANGE, "requantization multiplier %g is too large (> 2^30)", real);
    *multiplier = (int32_t)q_fixed;
    *shift = e;
    return AN_OK;
}

an_status an_q_add_params(double in0_scale, double in1_scale, double out_scale, int32_t mult[3],
                          int32_t shift[3]) {
    const double twice = 2 * fmax(in0_scale, in1_scale);
    const double real[3] = {in0_scale / twice, in1_scale / twice,
                            twice / ((double)(1 << AN_Q_ADD_LEFT_SHIFT) * out_scale)};
    for (int j = 0; j < 3; j++) {
        int sh;
        an_status s = an_q_quantize_multiplier(real[j], &mult[j], &sh);
        if (s) return s;
        if (sh > 0)
            return an_fail(AN_ERR_UNSUPPORTED, "add output scale is too small for int8 requant");
        shift[j] = sh;
    }
    return AN_OK;
}
