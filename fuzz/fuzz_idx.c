/*
** libFuzzer harness: the IDX parser on arbitrary bytes. Input that starts
** with the gzip magic goes through the gunzip path first (output capped at
** 16 MiB), so corrupt and hostile gzip streams are fuzzed too. A parse that
** succeeds must describe itself consistently.
*/
#include "data/data_internal.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *plain = NULL;
    size_t n = size;
    const uint8_t *p = data;
    if (an_data_is_gzip(data, size)) {
        if (an_data_gunzip(data, size, "fuzz.idx.gz", (size_t)1 << 24, &plain, &n)) return 0;
        p = plain;
    }
    an_idx x;
    if (an_idx_parse(p, n, "fuzz.idx", &x) == AN_OK) {
        int64_t count = 1;
        for (int i = 0; i < x.ndim; i++) count *= x.dim[i];
        if (x.ndim < 1 || x.ndim > 4 || count != x.count || (count && x.vmin > x.vmax))
            __builtin_trap();
        for (int64_t i = 0; i < x.count; i++)
            if (x.values[i] < x.vmin || x.values[i] > x.vmax) __builtin_trap();
        an_idx_free(&x);
    }
    free(plain);
    return 0;
}
