/*
** asicnn compile: an int8 graph (.q8) to a chip executable (.npu) for a
** chip preset or JSON configuration; prints each layer's lowering, tiling
** and instruction count, and the program after a pass on request.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/arch.h"
#include "asicnn/npu.h"

#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "usage: asicnn compile model.q8 [--chip NAME|FILE.json] -o model.npu [--batch N]\n"
    "                      [--conv auto|kpos|im2col] [--host OPS] [--no-fuse] [--no-search] "
    "[--no-ref]\n"
    "                      [--print-after PASS|all] [--list-passes]\n"
    "\n"
    "Compile an int8 graph for the accelerator. The .q8 is embedded for `asicnn run`\n"
    "to check against, unless --no-ref.\n";

/* --host maxpool,avgpool,add into the compile options' host_ops mask. */
static int host_ops(const cli_opt_def *def, const char *val, char *why, size_t cap) {
    uint32_t *mask = def->dst;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", val);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < AN_Q_OP_COUNT && strcmp(AN_Q_OP_NAME[k], t) != 0) k++;
        if (k != AN_Q_MAXPOOL && k != AN_Q_AVGPOOL && k != AN_Q_ADD) {
            snprintf(why, cap, "--host takes maxpool, avgpool and add, not '%s'", t);
            return -1;
        }
        *mask |= 1u << k;
    }
    return 0;
}

int cmd_compile(int argc, char **argv) {
    const char *pos[1], *outp = NULL, *chip = "npu16";
    an_npu_compile_opts o = an_npu_compile_defaults();
    int no_ref = 0, list = 0, conv = 0;
    const cli_opt_def opts[] = {
        {.name = "--chip",
         .kind = CLI_STR,
         .dst = &chip,
         .meta = "NAME|FILE",
         .help = "a preset (npu16, the default; vta-pynq; nvdla-small-like;\n"
                 "tpu-v1-like), a JSON configuration, or the name of one in\n"
                 "configs/ (test4x4, pynq-8x16: configs/NAME.json)"},
        {.name = "-o",
         .kind = CLI_STR,
         .dst = &outp,
         .meta = "FILE",
         .help = "the executable to write (.npu; required)"},
        {.name = "--batch",
         .kind = CLI_INT,
         .dst = &o.batch,
         .lo = 1,
         .hi = 65536,
         .meta = "N",
         .help = "samples per run (default 1)"},
        {.name = "--conv",
         .kind = CLI_ENUM,
         .dst = &conv,
         .choices = "auto|kpos|im2col",
         .help = "how convolutions become GEMMs (auto: by cost per\nlayer)"},
        {.name = "--host",
         .kind = CLI_FN,
         .dst = &o.host_ops,
         .fn = host_ops,
         .meta = "OPS",
         .help = "maxpool,avgpool,add: run those ops on the host"},
        {.name = "--no-fuse",
         .kind = CLI_FLAG,
         .dst = &o.no_fuse,
         .help = "keep pools as their own vector passes"},
        {.name = "--no-search",
         .kind = CLI_FLAG,
         .dst = &o.no_search,
         .help = "take the estimate's tiles without timing others"},
        {.name = "--no-ref",
         .kind = CLI_FLAG,
         .dst = &no_ref,
         .help = "do not embed the .q8 (run then cannot check)"},
        {.name = "--print-after",
         .kind = CLI_STR,
         .dst = &o.print_after,
         .meta = "PASS|all",
         .help = "print the program after a compiler pass"},
        {.name = "--list-passes",
         .kind = CLI_FLAG,
         .dst = &list,
         .help = "list the compiler passes and exit"},
        {0}};
    const cli_cmd_spec spec = {
        .cmd = "compile", .usage = USAGE, .opts = opts, .pos = pos, .max_pos = 1};
    int npos;
    const int rc = cli_parse(&spec, argc, argv, &npos);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    if (list) {
        for (int k = 0; AN_NPU_PASSES[k]; k++) printf("%s\n", AN_NPU_PASSES[k]);
        return 0;
    }
    if (!npos) return cli_usage("compile", "needs model.q8");
    static const an_npu_conv_choice CONV[] = {AN_NPU_CONV_AUTO, AN_NPU_CONV_KPOS,
                                              AN_NPU_CONV_IM2COL};
    o.conv = CONV[conv];
    chip = cli_chip_arg(chip);
    const char *in = pos[0];
    if (!outp) return cli_usage("compile", "needs -o model.npu");
    if (!cli_ends_with(outp, ".npu"))
        return cli_usage("compile", "-o %s: an executable is a .npu file", outp);
    an_status s0 = cli_check_output(outp);
    if (s0) return cli_error(s0);
    an_npu_config cfg;
    an_status s = an_npu_config_get(chip, &cfg);
    if (s) return cli_error(s);
    char *bytes = NULL;
    size_t n = 0;
    an_q_graph g = {0};
    if ((s = an_read_file(in, (size_t)1 << 30, &bytes, &n))) return cli_error(s);
    if ((s = cli_kind_check(an_q8_parse((const uint8_t *)bytes, n, in, &g), in, CLI_KIND_Q8))) {
        free(bytes);
        return cli_error(s);
    }
    an_npu_exe x;
    char *dump = NULL;
    double t0 = an_now();
    s = an_npu_compile(&g, &cfg, &o, (const uint8_t *)bytes, no_ref ? 0 : n, &x, &dump);
    double dt = an_now() - t0;
    if (dump) fputs(dump, stdout);
    free(dump);
    if (!s) s = an_npu_save(outp, &x);
    if (!s) {
        printf("%s -> %s for %s (%dx%d array, %g/%g/%g KiB act/wgt/acc), batch %d\n", in, outp,
               cfg.name, cfg.rows, cfg.cols, cfg.act_bytes / 1024.0, cfg.wgt_bytes / 1024.0,
               cfg.acc_bytes / 1024.0, x.batch);
        printf("%-3s %-12s %-8s %-9s %-12s %-8s %-7s %10s %12s\n", "#", "layer", "op", "mode",
               "output", "tile", "tiles", "insns", "array MACs");
        for (int i = 0; i < x.n_layers; i++) {
            const an_npu_layer *L = &x.layers[i];
            char shape[32], tile[24];
            snprintf(shape, sizeof shape, "%dx%dx%d", L->h, L->w, L->c);
            snprintf(tile, sizeof tile, "%dx%d", L->tile_h, L->tile_w);
            printf("%-3d %-12s %-8s %-9s %-12s %-8s %-7d %10lld %12lld\n", i, L->name,
                   AN_Q_OP_NAME[L->op], AN_NPU_MODE_NAME[L->mode], shape, L->tile_h ? tile : "-",
                   L->tiles, (long long)L->n_insn, (long long)L->macs);
        }
        const an_npu_input_layout *il = &x.in_layout;
        if (il->layout == AN_NPU_IN_IM2COL)
            printf("input written by the host as im2col rows: %dx%d pixels x %d row(s) of %d "
                   "bytes (window %dx%d, stride %dx%d), %lld bytes per sample\n",
                   il->oh, il->ow, il->rows_per_px, il->row_bytes, il->kh, il->kw, il->sh, il->sw,
                   (long long)npu_input_bytes(&x));
        if (il->layout == AN_NPU_IN_KROW)
            printf("input written by the host as kernel-row elements: %d padded rows x %d "
                   "columns x %d row(s) of %d bytes (window %dx%d, stride %dx%d), %lld bytes per "
                   "sample\n",
                   (int)npu_input_krows(il), il->ow, il->rows_per_px, il->row_bytes, il->kh, il->kw,
                   il->sh, il->sw, (long long)npu_input_bytes(&x));
        printf("compiled for %s: %lld instructions, %lld bytes of weights and parameters, "
               "%lld bytes of DRAM, %d host op(s), %.2f s\n",
               cfg.name, (long long)x.n_insns, (long long)x.data_size, (long long)x.dram_size,
               x.n_host, dt);
    }
    an_npu_exe_free(&x);
    an_q_graph_free(&g);
    free(bytes);
    return s ? cli_error(s) : 0;
}
