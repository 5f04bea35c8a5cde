/*
** Chip configurations: the built-in presets, JSON parsing (cJSON) with
** every key checked, and validation of what the hardware can have (array
** and vector sizes that are powers of two, buffers that hold at least the
** smallest tile, sizes that fit the instruction fields).
*/
#include "asicnn/arch.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const AN_NPU_PRESETS[] = {"npu16", "vta-pynq", "nvdla-small-like", "tpu-v1-like", NULL};

#define KIB 1024
static const an_npu_config PRESET_CFG[] = {
    /* name, R, C, act, wgt, acc, lanes, bytes/cycle, latency, burst, MHz, queues, tokens, nm */
    {"npu16", 16, 16, 64 * KIB, 256 * KIB, 128 * KIB, 16, 16.0, 100, 64, 500.0, 512, 512, 28},
    /* VTA on PYNQ-Z1: BLOCK 16, 32/256/128 KiB, 100 MHz, 64-bit AXI */
    {"vta-pynq", 16, 16, 32 * KIB, 256 * KIB, 128 * KIB, 16, 8.0, 64, 64, 100.0, 512, 512, 28},
    /* nv_small: 8x8 int8 MACs, 128 KiB CBUF (split here), 64-bit memory, 1 GHz */
    {"nvdla-small-like", 8, 8, 64 * KIB, 48 * KIB, 16 * KIB, 8, 8.0, 100, 64, 1000.0, 256, 256, 16},
    /* TPU v1: 256x256 at 700 MHz, 24 MiB unified buffer, 4 MiB accumulators,
       34 GB/s DDR3 = 48.57 bytes/cycle, 4 x 64 KiB weight FIFO */
    {"tpu-v1-like", 256, 256, 24 * KIB *KIB, 256 * KIB, 4 * KIB *KIB, 256, 34000.0 / 700.0, 200, 64,
     700.0, 512, 512, 28},
};

int64_t an_npu_act_rows(const an_npu_config *c) {
    return c->act_bytes / c->rows;
}
int64_t an_npu_wgt_rows(const an_npu_config *c) {
    return c->wgt_bytes / c->cols;
}
int64_t an_npu_acc_rows(const an_npu_config *c) {
    return c->acc_bytes / (4 * (int64_t)c->cols);
}

int an_npu_config_same_chip(const an_npu_config *a, const an_npu_config *b) {
    return a->rows == b->rows && a->cols == b->cols && a->act_bytes == b->act_bytes &&
           a->wgt_bytes == b->wgt_bytes && a->acc_bytes == b->acc_bytes &&
           a->vec_lanes == b->vec_lanes && a->dram_bytes_per_cycle == b->dram_bytes_per_cycle &&
           a->dram_latency == b->dram_latency && a->dram_burst == b->dram_burst &&
           a->insn_depth == b->insn_depth && a->token_depth == b->token_depth;
}

static int pow2(int64_t v) {
    return v > 0 && (v & (v - 1)) == 0;
}

#define BAD(...) an_fail(AN_ERR_RANGE, __VA_ARGS__)

an_status an_npu_config_validate(const an_npu_config *c, const char *src) {
    if (memchr(c->name, 0, sizeof c->name) == NULL || !c->name[0])
        return BAD("%s: field name is empty or too long (< 32 bytes)", src);
    if (c->rows < 1 || c->rows > AN_NPU_MAX_DIM || !pow2(c->rows))
        return BAD("%s: field rows = %d must be a power of two in 1..%d", src, c->rows,
                   AN_NPU_MAX_DIM);
    if (c->cols < 1 || c->cols > AN_NPU_MAX_DIM || !pow2(c->cols))
        return BAD("%s: field cols = %d must be a power of two in 1..%d", src, c->cols,
                   AN_NPU_MAX_DIM);
    const int64_t R = c->rows, C = c->cols, row = R > C ? R : C;
    if (c->act_bytes < 8 * row || c->act_bytes % R || c->act_bytes > (INT64_C(1) << 26))
        return BAD("%s: field act_kib = %g: the activation buffer must hold at least 8 rows of "
                   "%lld bytes, be a whole number of %lld-byte rows and at most 65536 KiB",
                   src, (double)c->act_bytes / KIB, (long long)row, (long long)R);
    if (c->wgt_bytes < 2 * R * C || c->wgt_bytes % (R * C) || c->wgt_bytes > (INT64_C(1) << 26))
        return BAD("%s: field wgt_kib = %g: the weight buffer must hold at least two %lldx%lld "
                   "tiles (%lld bytes), a whole number of tiles, at most 65536 KiB",
                   src, (double)c->wgt_bytes / KIB, (long long)R, (long long)C,
                   (long long)(2 * R * C));
    if (c->acc_bytes < 16 * 4 * C || c->acc_bytes % (4 * C) || c->acc_bytes > (INT64_C(1) << 26))
        return BAD("%s: field acc_kib = %g: the accumulator buffer must hold at least 16 rows of "
                   "%lld int32, a whole number of rows, at most 65536 KiB",
                   src, (double)c->acc_bytes / KIB, (long long)C);
    if (c->vec_lanes < 1 || !pow2(c->vec_lanes) || c->vec_lanes > C)
        return BAD("%s: field vector_lanes = %d must be a power of two <= cols (%d)", src,
                   c->vec_lanes, c->cols);
    if (!isfinite(c->dram_bytes_per_cycle) || c->dram_bytes_per_cycle <= 0 ||
        c->dram_bytes_per_cycle > 65536)
        return BAD("%s: field dram_bytes_per_cycle = %g must be in (0, 65536]", src,
                   c->dram_bytes_per_cycle);
    if (c->dram_latency < 0 || c->dram_latency > 1000000)
        return BAD("%s: field dram_latency_cycles = %d outside 0..1000000", src, c->dram_latency);
    if (c->dram_burst < 1 || c->dram_burst > 65536 || !pow2(c->dram_burst))
        return BAD("%s: field dram_burst_bytes = %d must be a power of two in 1..65536", src,
                   c->dram_burst);
    if (!isfinite(c->clock_mhz) || c->clock_mhz <= 0 || c->clock_mhz > 100000)
        return BAD("%s: field clock_mhz = %g must be in (0, 100000]", src, c->clock_mhz);
    if (c->insn_depth < 1 || c->insn_depth > 65536)
        return BAD("%s: field insn_queue_depth = %d outside 1..65536", src, c->insn_depth);
    if (c->token_depth < 1 || c->token_depth > 65536)
        return BAD("%s: field token_queue_depth = %d outside 1..65536", src, c->token_depth);
    if (c->tech_nm < 1 || c->tech_nm > 1000)
        return BAD("%s: field tech_nm = %d outside 1..1000", src, c->tech_nm);
    return AN_OK;
}

/* JSON keys: integer fields, KiB fields, real fields. */
typedef struct key {
    const char *name;
    size_t offset;
    int kind; /* 0 int32, 1 KiB -> int64 bytes, 2 double */
} key;
#define K(n, f, k)                                                                                 \
    { n, offsetof(an_npu_config, f), k }
static const key KEYS[] = {
    K("rows", rows, 0),
    K("cols", cols, 0),
    K("act_kib", act_bytes, 1),
    K("wgt_kib", wgt_bytes, 1),
    K("acc_kib", acc_bytes, 1),
    K("vector_lanes", vec_lanes, 0),
    K("dram_bytes_per_cycle", dram_bytes_per_cycle, 2),
    K("dram_latency_cycles", dram_latency, 0),
    K("dram_burst_bytes", dram_burst, 0),
    K("clock_mhz", clock_mhz, 2),
    K("insn_queue_depth", insn_depth, 0),
    K("token_queue_depth", token_depth, 0),
    K("tech_nm", tech_nm, 0),
};
#undef K
#define NKEYS (int)(sizeof KEYS / sizeof KEYS[0])

an_status an_npu_config_parse(const char *text, const char *src, an_npu_config *c) {
    *c = PRESET_CFG[0]; /* missing keys take npu16's values */
    cJSON *root = cJSON_Parse(text);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return an_fail(AN_ERR_FORMAT, "%s: not a JSON object", src);
    }
    an_status s = AN_OK;
    for (cJSON *it = root->child; it && !s; it = it->next) {
        if (strcmp(it->string, "name") == 0) {
            if (!cJSON_IsString(it) || strlen(it->valuestring) >= sizeof c->name ||
                !it->valuestring[0])
                s = an_fail(AN_ERR_FORMAT, "%s: field name must be a string of 1..31 bytes", src);
            else
                snprintf(c->name, sizeof c->name, "%s", it->valuestring);
            continue;
        }
        if (strcmp(it->string, "source") == 0) { /* where the figures come from: a note */
            if (!cJSON_IsString(it))
                s = an_fail(AN_ERR_FORMAT, "%s: field source must be a string", src);
            continue;
        }
        int k = 0;
        while (k < NKEYS && strcmp(KEYS[k].name, it->string) != 0) k++;
        if (k == NKEYS) {
            s = an_fail(AN_ERR_FORMAT, "%s: unknown field '%s'", src, it->string);
            break;
        }
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
            s = an_fail(AN_ERR_FORMAT, "%s: field %s must be a number", src, it->string);
            break;
        }
        const double v = it->valuedouble;
        char *p = (char *)c + KEYS[k].offset;
        if (KEYS[k].kind == 2) {
            *(double *)p = v;
        } else if (KEYS[k].kind == 1) {
            const double bytes = v * KIB;
            if (bytes != floor(bytes) || bytes < 0 || bytes > 1e12)
                s = an_fail(AN_ERR_RANGE, "%s: field %s = %g is not a whole number of bytes", src,
                            it->string, v);
            else
                *(int64_t *)p = (int64_t)bytes;
        } else {
            if (v != floor(v) || v < -2147483648.0 || v > 2147483647.0)
                s = an_fail(AN_ERR_RANGE, "%s: field %s = %g is not a whole number", src,
                            it->string, v);
            else
                *(int32_t *)p = (int32_t)v;
        }
    }
    cJSON_Delete(root);
    return s ? s : an_npu_config_validate(c, src);
}

an_status an_npu_config_get(const char *name_or_path, an_npu_config *c) {
    for (int i = 0; AN_NPU_PRESETS[i]; i++)
        if (strcmp(name_or_path, AN_NPU_PRESETS[i]) == 0) {
            *c = PRESET_CFG[i];
            return AN_OK;
        }
    char *text = NULL;
    size_t n;
    an_status s = an_read_file(name_or_path, 1 << 20, &text, &n);
    if (s) {
        char names[128] = "";
        for (int i = 0; AN_NPU_PRESETS[i]; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     AN_NPU_PRESETS[i]);
        return an_fail(s, "chip '%s' is neither a preset (%s) nor a readable JSON file",
                       name_or_path, names);
    }
    s = an_npu_config_parse(text, name_or_path, c);
    free(text);
    return s;
}

/* v in the fewest significant digits (15 to 17) that read back as v
** exactly (cJSON's own printing accepts a value one ulp off). */
static void exact_number(double v, char *buf, size_t n) {
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, n, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) return;
    }
}

char *an_npu_config_json(const an_npu_config *c) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "name", c->name);
    for (int k = 0; k < NKEYS; k++) {
        const char *p = (const char *)c + KEYS[k].offset;
        double v = KEYS[k].kind == 2   ? *(const double *)p
                   : KEYS[k].kind == 1 ? (double)*(const int64_t *)p / KIB
                                       : (double)*(const int32_t *)p;
        char num[40];
        exact_number(v, num, sizeof num); /* finite: validated */
        cJSON_AddRawToObject(o, KEYS[k].name, num);
    }
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}
