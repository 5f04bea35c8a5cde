/*
** The area model of the sweep: area = PEs x pe + SRAM KiB x sram + fixed.
** Defaults at 28 nm (the energy model's node): an int8 MAC PE with its
** int32 partial-sum and weight registers ~1,100 NAND2 equivalents at
** ~0.5 um^2 each = 550 um^2; 6T SRAM with periphery ~0.15 mm^2 per Mib =
** 0.0012 mm^2 per KiB; 0.05 mm^2 of control, queues, DMA and vector unit.
** With a synthesis report for a known array size, the PE figure is
** replaced by the report's logic area per PE (SRAMs are black-boxed
** there), scaled from its node (OSU 0.18 um) to 28 nm by (28/180)^2.
*/
#include "asicnn/report.h"

#include <stdio.h>

an_area_model an_area_default(const an_synth *s) {
    an_area_model a = {.pe_mm2 = 550e-6, .sram_kib_mm2 = 0.0012, .fixed_mm2 = 0.05};
    snprintf(a.source, sizeof a.source,
             "area model: 550 um^2/PE, 0.0012 mm^2/KiB SRAM, 0.05 mm^2 fixed (28 nm estimates)");
    if (s && s->have_asic && s->asic_area_mm2 > 0 && s->asic_rows > 0 && s->asic_cols > 0) {
        const double scale = (28.0 / 180.0) * (28.0 / 180.0);
        a.pe_mm2 = s->asic_area_mm2 * scale / ((double)s->asic_rows * s->asic_cols);
        snprintf(a.source, sizeof a.source,
                 "area model: %.0f um^2/PE from %s (%dx%d, 0.18 um scaled to 28 nm), "
                 "0.0012 mm^2/KiB SRAM, 0.05 mm^2 fixed",
                 a.pe_mm2 * 1e6, s->asic_path, s->asic_rows, s->asic_cols);
    }
    return a;
}

double an_area_mm2(const an_area_model *a, const an_npu_config *c) {
    const double kib = (double)(c->act_bytes + c->wgt_bytes + c->acc_bytes) / 1024.0;
    return a->fixed_mm2 + a->pe_mm2 * c->rows * c->cols + a->sram_kib_mm2 * kib;
}
