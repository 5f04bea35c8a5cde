/*
** Helpers shared by the libFuzzer harnesses of checksummed files.
**
** Contract
** - fz_copy returns a malloc'd copy of an input (at least one byte
**   allocated), NUL-terminated, or NULL when out of memory.
** - fz_fix_crc rewrites the trailing u32 (little-endian) of a file whose
**   last four bytes are the CRC32 of every byte before them (.q8 files and
**   checkpoints), so that mutations reach the field checks instead of
**   stopping at a checksum mismatch.
*/
#ifndef ASICNN_FUZZ_UTIL_H
#define ASICNN_FUZZ_UTIL_H

#include "asicnn/core.h"

#include <stdlib.h>
#include <string.h>

static inline uint8_t *fz_copy(const uint8_t *data, size_t size) {
    uint8_t *p = malloc(size + 1);
    if (!p) return NULL;
    memcpy(p, data, size);
    p[size] = 0;
    return p;
}

static inline void fz_fix_crc(uint8_t *b, size_t n) {
    if (n < 4) return;
    const uint32_t crc = an_crc32(0, b, n - 4);
    for (int i = 0; i < 4; i++) b[n - 4 + i] = (uint8_t)(crc >> (8 * i));
}

#endif /* ASICNN_FUZZ_UTIL_H */
