/*
** CRC32 over zlib's implementation (IEEE polynomial, as in gzip and PNG).
*/
#include "asicnn/core.h"

#include <limits.h>
#include <zlib.h>

uint32_t an_crc32(uint32_t crc, const void *buf, size_t n) {
    const unsigned char *p = buf;
    uLong c = crc;
    while (n > 0) {
        uInt chunk = n > UINT_MAX ? UINT_MAX : (uInt)n;
        c = crc32(c, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)c;
}
