/*
** The modelled SRAM and instruction-queue black boxes of the synthesis
** report (docs/hw.md): their area at the library's node, their power at a
** clock, and their XC7 block RAMs. Stated models, not synthesized.
**
** Contract: pure functions of the configuration.
*/
#include "hw_internal.h"
#include "asicnn/sim.h"

#include <math.h>

#define LIB_FEATURE_UM 0.18

/* SRAM macro model (stated, docs/hw.md): a 6T bit cell of 140 F^2 (ITRS
** ORTC, 6T SRAM cell area factor) at the library's F = 0.18 um, and 70 %
** array efficiency (decoders, sense amplifiers, I/O around the bit cells). */
#define SRAM_CELL_F2    140.0
#define SRAM_EFFICIENCY 0.70

typedef struct buffer {
    const char *name;
    int64_t bytes, port_bytes;
} buffer;

static int buffers_of(const an_npu_config *c, buffer b[4]) {
    const int64_t wa = c->rows > c->cols ? c->rows : c->cols;
    b[0] = (buffer){"act", c->act_bytes, wa};
    b[1] = (buffer){"wgt", c->wgt_bytes, c->cols};
    b[2] = (buffer){"acc", c->acc_bytes, 4 * (int64_t)c->cols};
    b[3] = (buffer){"insn_queues", 3 * (int64_t)c->insn_depth * 32, 32};
    return 4;
}

/* XC7 block RAM of one buffer: port_bytes byte-wide banks (any byte address
** starts a port-wide access), each bank bytes/port deep in RAMB18 halves
** (2K x 9); the queues are 512 x 72 RAMB36 columns. */
static double bram36_of(const buffer *b, int is_queue, int64_t depth) {
    if (is_queue) return 3.0 * ceil(256.0 / 72.0) * ceil((double)depth / 512.0);
    const double d = ceil((double)b->bytes / (double)b->port_bytes);
    return (double)b->port_bytes * ceil(d / 2048.0) / 2.0;
}

cJSON *hw_sram_json(const an_npu_config *c, double mhz, double *area_um2, double *mw,
                    double *bram36) {
    buffer b[4];
    const int nb = buffers_of(c, b);
    const double bit_um2 = SRAM_CELL_F2 * LIB_FEATURE_UM * LIB_FEATURE_UM / SRAM_EFFICIENCY;
    cJSON *o = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(o, "buffers");
    *area_um2 = *mw = *bram36 = 0;
    for (int i = 0; i < nb; i++) {
        /* energy: the project's SRAM model (docs/energy.md, Horowitz 2014) at
        ** 45 nm, scaled linearly to 180 nm; one port-wide read and one write
        ** per cycle (an upper bound: every buffer busy every cycle) */
        const double pj = an_energy_sram64_45nm(b[i].bytes) * (180.0 / 45.0) *
                          (double)(b[i].port_bytes * 8) / 64.0 * 2.0;
        const double a = (double)b[i].bytes * 8.0 * bit_um2,
                     p = pj * mhz * 1e-3; /* pJ x MHz = uW */
        const double br = bram36_of(&b[i], i == 3, c->insn_depth);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", b[i].name);
        cJSON_AddNumberToObject(e, "bytes", (double)b[i].bytes);
        cJSON_AddNumberToObject(e, "port_bytes", (double)b[i].port_bytes);
        cJSON_AddNumberToObject(e, "area_um2", round(a));
        cJSON_AddNumberToObject(e, "power_mw", round(p * 1000) / 1000);
        cJSON_AddNumberToObject(e, "bram36", br);
        cJSON_AddItemToArray(list, e);
        *area_um2 += a, *mw += p, *bram36 += br;
    }
    cJSON_AddStringToObject(
        o, "model",
        "MODELLED, not synthesized: area = bits x 140 F^2 (6T cell, ITRS ORTC cell area "
        "factor) at F = 0.18 um / 0.70 array efficiency = 6.48 um^2 per bit; energy per access "
        "from docs/energy.md (Horowitz, ISSCC 2014, 45 nm) scaled x4 to 180 nm, one read and "
        "one write of the port width per cycle per buffer (upper bound); XC7 block RAM: one "
        "byte-wide bank per port byte in RAMB18 (2K x 9) halves, queues as 512 x 72 RAMB36");
    return o;
}
