/*
** Little-endian integers in byte arrays, whatever the host's byte order:
** the one definition the file formats, the instruction encoding and the
** DRAM images use.
*/
#include "asicnn/core.h"

uint64_t an_le_get(const uint8_t *p, int width) {
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

void an_le_put(uint8_t *p, uint64_t v, int width) {
    for (int i = 0; i < width; i++) p[i] = (uint8_t)(v >> (8 * i));
}
