/*
** Test helpers for the float kernels: random data, a finite-difference
** gradient over a double-precision reference, and tolerant comparison.
**
** Contract
** - Every reference in the kernel tests is a naive direct loop in double,
**   written independently of the kernel it checks. Gradients come from
**   central differences of such a reference (gc_fd_grad), so each backward
**   kernel is checked against the derivative of an independent forward.
** - gc_close compares a float result with a double reference elementwise:
**   |got - want| <= atol + rtol * max(|got|, |want|); on the first mismatch
**   it fails the current Criterion test with the name and index.
*/
#ifndef ASICNN_TESTS_NN_GRADCHECK_H
#define ASICNN_TESTS_NN_GRADCHECK_H

#include "asicnn/core.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

/* A scalar function of the reference state held in ctx. */
typedef double (*gc_loss_fn)(void *ctx);

/* x [n] (float) and xd [n] (double, the same values): uniform in [lo, hi),
** rounded to float so both views agree exactly. */
static inline void gc_fill(float *x, double *xd, size_t n, an_rng *r, float lo, float hi) {
    for (size_t i = 0; i < n; i++) {
        x[i] = lo + (hi - lo) * an_rng_uniform(r);
        if (xd) xd[i] = x[i];
    }
}

/* grad [n] = d loss / d x by central differences with step eps, moving one
** element of x [n] (a double array that loss reads through ctx) at a time. */
static inline void gc_fd_grad(double *grad, double *x, size_t n, gc_loss_fn loss, void *ctx,
                              double eps) {
    for (size_t i = 0; i < n; i++) {
        const double save = x[i];
        x[i] = save + eps;
        const double fp = loss(ctx);
        x[i] = save - eps;
        const double fm = loss(ctx);
        x[i] = save;
        grad[i] = (fp - fm) / (2.0 * eps);
    }
}

/* Fail the test unless got [n] matches want [n] within atol + rtol*scale. */
static inline void gc_close(const float *got, const double *want, size_t n, double atol,
                            double rtol, const char *what) {
    for (size_t i = 0; i < n; i++) {
        const double g = got[i], w = want[i];
        const double scale = fabs(g) > fabs(w) ? fabs(g) : fabs(w);
        const int ok = isfinite(g) && fabs(g - w) <= atol + rtol * scale;
        cr_assert(ok, "%s[%zu]: got %.9g, want %.9g", what, i, g, w);
    }
}

/* calloc that fails the test instead of returning NULL. */
static inline void *gc_alloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    cr_assert_not_null(p, "out of memory in test");
    return p;
}

#endif /* ASICNN_TESTS_NN_GRADCHECK_H */
