/*
** asicnn disasm: the instruction stream of an executable, one instruction a
** line with its queue and the layer it belongs to, after a header with the
** chip, the tensors and the host operators.
*/
#include "cli.h"

#include "asicnn/npu.h"

#include <string.h>

static const char USAGE[] = "usage: asicnn disasm model.npu\n"
                            "\n"
                            "Print an executable's chip, tensors and instructions.\n";

int cmd_disasm(int argc, char **argv) {
    const char *path = NULL;
    const cli_cmd_spec spec = {.cmd = "disasm",
                               .usage = USAGE,
                               .pos = &path,
                               .min_pos = 1,
                               .max_pos = 1,
                               .needs = "needs model.npu"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    an_npu_exe x;
    an_status s = cli_kind_check(an_npu_load(path, &x), path, CLI_KIND_NPU);
    if (s) return cli_error(s);
    const an_npu_config *c = &x.cfg;
    printf("; %s: chip %s (%dx%d), batch %d, %lld instructions, %lld bytes of DRAM\n", path,
           c->name, c->rows, c->cols, x.batch, (long long)x.n_insns, (long long)x.dram_size);
    printf("; input  %dx%dx%d at DRAM %lld (scale %g, zero point %d)\n", x.input.h, x.input.w,
           x.input.c, (long long)x.input.dram, (double)x.input.scale, x.input.zero_point);
    const an_npu_input_layout *il = &x.in_layout;
    if (il->layout == AN_NPU_IN_IM2COL)
        printf(";        as im2col rows: %dx%d pixels x %d row(s) of %d bytes, window %dx%d "
               "stride %dx%d padding %d,%d\n",
               il->oh, il->ow, il->rows_per_px, il->row_bytes, il->kh, il->kw, il->sh, il->sw,
               il->pt, il->pl);
    if (il->layout == AN_NPU_IN_KROW)
        printf(";        as kernel-row elements: %d padded rows x %d columns x %d row(s) of %d "
               "bytes, window %dx%d stride %dx%d padding %d,%d\n",
               (int)npu_input_krows(il), il->ow, il->rows_per_px, il->row_bytes, il->kh, il->kw,
               il->sh, il->sw, il->pt, il->pl);
    printf("; output %dx%dx%d at DRAM %lld (scale %g, zero point %d)\n", x.output.h, x.output.w,
           x.output.c, (long long)x.output.dram, (double)x.output.scale, x.output.zero_point);
    for (int i = 0; i < x.n_host; i++)
        printf("; host operator %d: %s (layer %d)\n", i, AN_Q_OP_NAME[x.host[i].op],
               x.host[i].layer);
    int layer = -1;
    for (int64_t i = 0; i < x.n_insns; i++) {
        for (int l = 0; l < x.n_layers; l++)
            if (x.layers[l].n_insn && x.layers[l].first_insn == i && l != layer) {
                layer = l;
                printf("; layer %d: %s (%s, %s)\n", l, x.layers[l].name,
                       AN_Q_OP_NAME[x.layers[l].op], AN_NPU_MODE_NAME[x.layers[l].mode]);
            }
        an_isa_insn d;
        char buf[320];
        an_isa_decode(&x.insns[i], &d); /* validated by the loader */
        printf("%6lld  %-7s %s\n", (long long)i, AN_ISA_QUEUE_NAME[an_isa_queue_of(&d)],
               an_isa_format(&d, buf, sizeof buf));
    }
    an_npu_exe_free(&x);
    return 0;
}
