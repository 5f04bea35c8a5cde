/*
** Leak checking for Criterion tests. Criterion runs each test in a worker
** that exits without LeakSanitizer's final report, so a leaking test would
** pass: under ASan, call leakcheck() as a suite's .fini to fail the test
** (by crashing the worker, as Criterion ignores assertions in fini hooks).
** Without ASan it does nothing.
*/
#ifndef ASICNN_TEST_LEAKCHECK_H
#define ASICNN_TEST_LEAKCHECK_H

#include <stdio.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define TU_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_LSAN 1
#endif
#endif
#ifdef TU_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static inline void leakcheck(void) {
#ifdef TU_LSAN
    if (__lsan_do_recoverable_leak_check()) {
        fprintf(stderr, "the test leaked memory (see above)\n");
        abort();
    }
#endif
}

#endif /* ASICNN_TEST_LEAKCHECK_H */
