/*
** Little-endian integers in byte arrays, whatever the host's byte order:
** the one definition the file formats, the instruction encoding and the
** DRAM images use.
*/
#include "asicnn/core.h"

#include <string.h>

uint64_t an_le_get(const uint8_t *p, int width) {
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

void an_le_put(uint8_t *p, uint64_t v, int width) {
    for (int i = 0; i < width; i++) p[i] = (uint8_t)(v >> (8 * i));
}

uint64_t an_le_next(const uint8_t *p, size_t *off, int width) {
    const uint64_t v = an_le_get(p + *off, width);
    *off += (size_t)width;
    return v;
}

int32_t an_le_next_i32(const uint8_t *p, size_t *off) {
    const uint32_t u = (uint32_t)an_le_next(p, off, 4);
    int32_t v;
    memcpy(&v, &u, 4);
    return v;
}

float an_le_next_f32(const uint8_t *p, size_t *off) {
    const uint32_t u = (uint32_t)an_le_next(p, off, 4);
    float v;
    memcpy(&v, &u, 4);
    return v;
}
