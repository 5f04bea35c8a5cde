/*
** Synthesis reports: the JSON files `asicnn synth` writes (docs/hw.md),
** read leniently (numbers under any of the usual key spellings) so that the
** comparison and the area model can use them when they exist.
*/
#include "asicnn/report.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* First numeric value under any of the keys, searching nested objects. */
static double num(const cJSON *j, const char *const *keys) {
    for (const char *const *k = keys; *k; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, *k);
        if (cJSON_IsNumber(v)) return v->valuedouble;
    }
    for (const cJSON *c = j ? j->child : NULL; c; c = c->next) {
        if (!cJSON_IsObject(c)) continue;
        const double v = num(c, keys);
        if (v >= 0) return v;
    }
    return -1;
}

static an_status load_json(const char *path, cJSON **out) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return AN_OK; /* absent: not an error */
    char *buf = malloc(1 << 20);
    if (!buf) {
        fclose(f);
        return an_fail(AN_ERR_NOMEM, "%s: cannot read", path);
    }
    const size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = 0;
    *out = cJSON_Parse(buf);
    free(buf);
    return *out ? AN_OK : an_fail(AN_ERR_FORMAT, "%s: not valid JSON", path);
}

an_status an_synth_load(const char *dir, an_synth *s) {
    static const char *const AREA_UM2[] = {"area_um2", "cell_area_um2", "chip_area_um2", NULL};
    static const char *const AREA_MM2[] = {"area_mm2", NULL};
    static const char *const FMAX[] = {"fmax_mhz", "max_freq_mhz", "clock_mhz", NULL};
    static const char *const POWER[] = {"power_mw", "total_power_mw", NULL};
    static const char *const ROWS[] = {"rows", NULL}, *const COLS[] = {"cols", NULL};
    static const char *const LUT[] = {"lut", "luts", "LUT", NULL};
    static const char *const FF[] = {"ff", "ffs", "FF", NULL};
    static const char *const DSP[] = {"dsp", "dsps", "DSP", "dsp48e1", NULL};
    static const char *const BRAM[] = {"bram", "bram36", "BRAM", "ramb36", NULL};
    memset(s, 0, sizeof *s);
    s->asic_area_mm2 = s->asic_fmax_mhz = s->asic_power_mw = s->fpga_fmax_mhz = -1;
    s->fpga_lut = s->fpga_ff = s->fpga_dsp = s->fpga_bram = -1;
    snprintf(s->asic_path, sizeof s->asic_path, "%s/synth_asic.json", dir);
    snprintf(s->fpga_path, sizeof s->fpga_path, "%s/synth_xc7z020.json", dir);
    cJSON *a = NULL, *f = NULL;
    an_status st = load_json(s->asic_path, &a);
    if (!st) st = load_json(s->fpga_path, &f);
    if (a) {
        /* the ASIC flow maps onto OSU 0.18 um cells (docs/hw.md); a report
           may state another node as tech_nm */
        static const char *const NM[] = {"tech_nm", NULL};
        const double nm = num(a, NM);
        s->asic_nm = nm > 0 ? (int32_t)nm : 180;
        const double um2 = num(a, AREA_UM2);
        s->asic_area_mm2 = um2 >= 0 ? um2 / 1e6 : num(a, AREA_MM2);
        s->asic_fmax_mhz = num(a, FMAX);
        s->asic_power_mw = num(a, POWER);
        s->asic_rows = (int32_t)num(a, ROWS);
        s->asic_cols = (int32_t)num(a, COLS);
        s->have_asic = s->asic_area_mm2 > 0 || s->asic_fmax_mhz > 0;
    }
    if (f) {
        s->fpga_lut = (int64_t)num(f, LUT);
        s->fpga_ff = (int64_t)num(f, FF);
        s->fpga_dsp = (int64_t)num(f, DSP);
        s->fpga_bram = (int64_t)num(f, BRAM);
        s->fpga_fmax_mhz = num(f, FMAX);
        s->fpga_rows = (int32_t)num(f, ROWS);
        s->fpga_cols = (int32_t)num(f, COLS);
        if (s->fpga_rows < 0) s->fpga_rows = 0;
        if (s->fpga_cols < 0) s->fpga_cols = 0;
        const cJSON *chip = cJSON_GetObjectItemCaseSensitive(f, "chip");
        if (cJSON_IsString(chip))
            snprintf(s->fpga_chip, sizeof s->fpga_chip, "%s", chip->valuestring);
        s->have_fpga = s->fpga_lut >= 0 || s->fpga_dsp >= 0;
    }
    cJSON_Delete(a);
    cJSON_Delete(f);
    return st;
}
