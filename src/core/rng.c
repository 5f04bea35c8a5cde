/*
** PCG32 random numbers (O'Neill, pcg-random.org, "pcg32_random_r"): small,
** fast, and the same stream for the same seed on every platform.
*/
#include "asicnn/core.h"

#include <math.h>

void an_rng_seed(an_rng *r, uint64_t seed, uint64_t stream) {
    r->state = 0;
    r->inc = (stream << 1u) | 1u;
    an_rng_u32(r);
    r->state += seed;
    an_rng_u32(r);
}

uint32_t an_rng_u32(an_rng *r) {
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ULL + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

/* Rejection sampling without modulo bias, as pcg32_boundedrand_r does. */
uint32_t an_rng_below(an_rng *r, uint32_t n) {
    uint32_t threshold = (uint32_t)(-n) % n;
    for (;;) {
        uint32_t v = an_rng_u32(r);
        if (v >= threshold) return v % n;
    }
}

float an_rng_uniform(an_rng *r) {
    return (float)(an_rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}

float an_rng_normal(an_rng *r) {
    float u1 = an_rng_uniform(r), u2 = an_rng_uniform(r);
    if (u1 < 1e-12f) u1 = 1e-12f;
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853071795864f * u2);
}

void an_rng_shuffle(an_rng *r, int64_t *idx, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(i < (int64_t)UINT32_MAX ? an_rng_below(r, (uint32_t)(i + 1))
                                                      : an_rng_u32(r) % (uint64_t)(i + 1));
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}
