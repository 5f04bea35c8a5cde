/*
** libFuzzer harness: the .npu loader on arbitrary bytes. Every field,
** address range and the token protocol are validated before anything runs;
** an executable that loads must then run on the simulator without touching
** memory outside the simulated chip (ASan would see it). Programs are
** bounded so that one input runs in milliseconds. Half of the inputs get
** their checksums repaired first (the low bit of the last byte chooses), so
** that mutations reach the field validation and the dry run instead of
** stopping at a checksum mismatch.
*/
#include "asicnn/npu.h"
#include "asicnn/sim.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void wr32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute the header's and each section's CRC where the layout allows. */
static void fix_crcs(uint8_t *b, size_t n) {
    if (n < 36) return;
    wr32(b + 32, an_crc32(0, b, 32));
    for (size_t at = 36; n - at >= 8;) {
        const uint32_t len = rd32(b + at + 4);
        if (len > n - at - 8 || n - at - 8 - len < 4) return;
        wr32(b + at + 8 + len, an_crc32(0, b + at + 8, len));
        at += 8 + (size_t)len + 4;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    an_npu_exe x;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    if (size && (data[size - 1] & 1)) fix_crcs(copy, size);
    const an_status st = an_npu_parse(copy, size, "fuzz.npu", &x);
    free(copy);
    if (st != AN_OK) return 0;
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
