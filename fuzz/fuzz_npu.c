/*
** libFuzzer harness: the .npu loader on arbitrary bytes. Every field,
** address range and the token protocol are validated before anything runs;
** an executable that loads must then run on the simulator without touching
** memory outside the simulated chip (ASan would see it). Programs are
** bounded so that one input runs in milliseconds.
*/
#include "asicnn/npu.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    an_npu_exe x;
    if (an_npu_parse(data, size, "fuzz.npu", &x) != AN_OK) return 0;
    const int64_t in = (int64_t)x.batch * x.input.h * x.input.w * x.input.c;
    const int64_t out = (int64_t)x.batch * x.output.h * x.output.w * x.output.c;
    an_npu_sim *s;
    if (x.n_insns <= 4096 && in <= (1 << 20) && out <= (1 << 20) &&
        an_npu_sim_create(&s, &x) == AN_OK) {
        int8_t *a = calloc((size_t)in, 1), *b = calloc((size_t)out, 1);
        if (a && b && an_npu_sim_run(s, a, b) != AN_OK) __builtin_trap(); /* validated: must run */
        free(a);
        free(b);
        an_npu_sim_free(s);
    }
    an_npu_exe_free(&x);
    return 0;
}
