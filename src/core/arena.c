/*
** Arena allocator: bump allocation from malloc'd blocks, freed all at once.
** One arena per lifetime (a data set, a model, a training run).
*/
#include "asicnn/core.h"

#include <stdlib.h>
#include <string.h>

struct an_arena_block {
    an_arena_block *next;
    size_t size; /* usable bytes after the header */
    size_t off;  /* next free offset */
    _Alignas(64) unsigned char mem[];
};

void an_arena_init(an_arena *a, size_t block_size) {
    a->head = NULL;
    a->block_size = block_size ? block_size : (1u << 20);
    a->used = 0;
}

void *an_arena_alloc(an_arena *a, size_t size, size_t align) {
    if (align == 0) align = 16;
    if (align > 64 || (align & (align - 1))) return NULL;
    an_arena_block *b = a->head;
    size_t off = b ? (b->off + align - 1) & ~(align - 1) : 0;
    if (!b || off > b->size || size > b->size - off) {
        size_t want = size > a->block_size ? size : a->block_size;
        if (want > SIZE_MAX - sizeof(an_arena_block) - 64) return NULL;
        size_t total = (sizeof(an_arena_block) + want + 63) & ~(size_t)63;
        b = aligned_alloc(64, total);
        if (!b) return NULL;
        b->next = a->head;
        b->size = want;
        b->off = 0;
        a->head = b;
        off = 0;
    }
    void *p = b->mem + off;
    b->off = off + size;
    a->used += size;
    memset(p, 0, size);
    return p;
}

void an_arena_free(an_arena *a) {
    an_arena_block *b = a->head;
    while (b) {
        an_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}
