/*
** Requantization arithmetic against hand-computed gemmlowp / TFLite cases:
** SaturatingRoundingDoublingHighMul (its saturating corner, negative
** values, ties), RoundingDivideByPOT (ties away from zero, both signs, the
** largest exponent), MultiplyByQuantizedMultiplier (the double rounding
** that makes it differ from one exact rounding) and QuantizeMultiplier.
*/
#include "asicnn/quant.h"

#include "leakcheck.h"

#include <criterion/criterion.h>
#include <math.h>

TestSuite(requant, .fini = leakcheck);

Test(requant, srdhm_hand_cases) {
    /* the one saturating case */
    cr_assert_eq(an_q_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
    /* 2^30 * 2^30 / 2^31 = 2^29 exactly */
    cr_assert_eq(an_q_srdhm(1 << 30, 1 << 30), 1 << 29);
    /* ties: +0.5 -> 1, +1.5 -> 2; -0.5 -> 0, -1.5 -> -1 (nudge 1 - 2^30, then
       truncating division: gemmlowp rounds these ties toward +infinity) */
    cr_assert_eq(an_q_srdhm(1, 1 << 30), 1);
    cr_assert_eq(an_q_srdhm(3, 1 << 30), 2);
    cr_assert_eq(an_q_srdhm(-1, 1 << 30), 0);
    cr_assert_eq(an_q_srdhm(-3, 1 << 30), -1);
    /* non-ties: 5 * 0.75 = 3.75 -> 4; -5 * 0.75 = -3.75 -> -4 */
    cr_assert_eq(an_q_srdhm(5, 1610612736), 4);
    cr_assert_eq(an_q_srdhm(-5, 1610612736), -4);
    /* INT32_MIN * INT32_MAX / 2^31 = -(2^31 - 1) exactly */
    cr_assert_eq(an_q_srdhm(INT32_MIN, INT32_MAX), -INT32_MAX);
    cr_assert_eq(an_q_srdhm(INT32_MAX, INT32_MAX), INT32_MAX - 1);
    cr_assert_eq(an_q_srdhm(0, INT32_MIN), 0);
}

Test(requant, rdbpot_hand_cases) {
    cr_assert_eq(an_q_rdbpot(5, 1), 3);   /* 2.5 -> 3 */
    cr_assert_eq(an_q_rdbpot(-5, 1), -3); /* -2.5 -> -3 (away from zero) */
    cr_assert_eq(an_q_rdbpot(4, 1), 2);
    cr_assert_eq(an_q_rdbpot(-4, 1), -2);
    cr_assert_eq(an_q_rdbpot(7, 2), 2);   /* 1.75 */
    cr_assert_eq(an_q_rdbpot(-7, 2), -2); /* -1.75 */
    cr_assert_eq(an_q_rdbpot(6, 2), 2);   /* 1.5 -> 2 */
    cr_assert_eq(an_q_rdbpot(-6, 2), -2); /* -1.5 -> -2 */
    cr_assert_eq(an_q_rdbpot(2, 2), 1);   /* 0.5 -> 1 */
    cr_assert_eq(an_q_rdbpot(-2, 2), -1); /* -0.5 -> -1 */
    cr_assert_eq(an_q_rdbpot(-1, 2), 0);  /* -0.25 -> 0 */
    cr_assert_eq(an_q_rdbpot(123, 0), 123);
    cr_assert_eq(an_q_rdbpot(INT32_MIN, 31), -1);
    cr_assert_eq(an_q_rdbpot(INT32_MAX, 31), 1);
    cr_assert_eq(an_q_rdbpot(-1, 31), 0);
    cr_assert_eq(an_q_rdbpot(1 << 30, 31), 1); /* 0.5 -> 1 */
    cr_assert_eq(an_q_rdbpot(-(1 << 30), 31), -1);
}

/* RDBPOT equals round-half-away-from-zero of the exact quotient everywhere. */
Test(requant, rdbpot_matches_exact_rounding) {
    an_rng r;
    an_rng_seed(&r, 7, 1);
    for (int i = 0; i < 200000; i++) {
        const int32_t x = (int32_t)an_rng_u32(&r) >> (an_rng_below(&r, 31));
        const int n = (int)an_rng_below(&r, 32);
        const double q = (double)x / ldexp(1.0, n); /* exact in double */
        const double want = q >= 0 ? floor(q + 0.5) : ceil(q - 0.5);
        cr_assert_eq(an_q_rdbpot(x, n), (int32_t)want, "x=%d n=%d", x, n);
    }
}

Test(requant, multiply_by_quantized_multiplier) {
    cr_assert_eq(an_q_mul_by_quantized(100, 1 << 30, 0), 50);
    cr_assert_eq(an_q_mul_by_quantized(100, 1 << 30, -1), 25);
    /* double rounding: 101 / 4 = 25.25 exactly, but SRDHM gives 51 (50.5 up)
       and RDBPOT(51, 1) gives 26 (25.5 away from zero) */
    cr_assert_eq(an_q_mul_by_quantized(101, 1 << 30, -1), 26);
    cr_assert_eq(an_q_mul_by_quantized(-101, 1 << 30, -1), -25); /* -50.5 -> -50 -> -25 */
    cr_assert_eq(an_q_mul_by_quantized(3, 1 << 30, 2), 6);       /* left shift first */
    cr_assert_eq(an_q_mul_by_quantized(INT32_MIN, INT32_MIN, 0), INT32_MAX);
    /* the left shift saturates instead of overflowing */
    cr_assert_eq(an_q_mul_by_quantized(INT32_MAX, 1 << 30, 4), an_q_srdhm(INT32_MAX, 1 << 30));
    cr_assert_eq(an_q_mul_by_quantized(12345, 0, -5), 0);
}

Test(requant, quantize_multiplier) {
    int32_t m;
    int s;
    cr_assert_eq(an_q_quantize_multiplier(0.5, &m, &s), AN_OK);
    cr_assert(m == (1 << 30) && s == 0);
    cr_assert_eq(an_q_quantize_multiplier(1.0, &m, &s), AN_OK);
    cr_assert(m == (1 << 30) && s == 1);
    cr_assert_eq(an_q_quantize_multiplier(0.75, &m, &s), AN_OK);
    cr_assert(m == 1610612736 && s == 0);
    cr_assert_eq(an_q_quantize_multiplier(0.1, &m, &s), AN_OK); /* 0.8 * 2^-3 */
    cr_assert(m == 1717986918 && s == -3, "m=%d s=%d", m, s);
    /* a mantissa that rounds up to 2^31 is halved and the exponent bumped */
    cr_assert_eq(an_q_quantize_multiplier((1.0 - ldexp(1.0, -33)) * ldexp(1.0, -5), &m, &s), AN_OK);
    cr_assert(m == (1 << 30) && s == -4, "m=%d s=%d", m, s);
    cr_assert_eq(an_q_quantize_multiplier(1e-12, &m, &s), AN_OK);
    cr_assert(m == 0 && s == 0);
    cr_assert_eq(an_q_quantize_multiplier(0.0, &m, &s), AN_OK);
    cr_assert(m == 0 && s == 0);
    cr_assert_neq(an_q_quantize_multiplier(-1.0, &m, &s), AN_OK);
    cr_assert_neq(an_q_quantize_multiplier(NAN, &m, &s), AN_OK);
    cr_assert_neq(an_q_quantize_multiplier(ldexp(1.0, 40), &m, &s), AN_OK);
    /* the quantized multiplier approximates the real one to 2^-31 relative */
    an_rng r;
    an_rng_seed(&r, 3, 3);
    for (int i = 0; i < 10000; i++) {
        const double real = ldexp(0.5 + 0.5 * an_rng_uniform(&r), (int)an_rng_below(&r, 40) - 30);
        cr_assert_eq(an_q_quantize_multiplier(real, &m, &s), AN_OK);
        cr_assert(m >= (1 << 30));
        cr_assert(fabs(ldexp((double)m, s - 31) / real - 1) <= ldexp(1.0, -30));
    }
}

Test(requant, round_sat32) {
    cr_assert_eq(an_q_round_sat32(2.5), 3);
    cr_assert_eq(an_q_round_sat32(-2.5), -3);
    cr_assert_eq(an_q_round_sat32(-0.4), 0);
    cr_assert_eq(an_q_round_sat32(1e20), INT32_MAX);
    cr_assert_eq(an_q_round_sat32(-1e20), INT32_MIN);
}
