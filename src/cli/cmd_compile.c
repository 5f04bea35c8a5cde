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

static const char HELP[] =
    "usage: asicnn compile model.q8 [--chip NAME|FILE.json] -o model.npu [--batch N]\n"
    "                      [--conv auto|kpos|im2col] [--host OPS] [--no-fuse] [--no-ref]\n"
    "                      [--print-after PASS|all] [--list-passes]\n"
    "\n"
    "Compile an int8 graph for the accelerator. --chip takes a preset (npu16, the\n"
    "default; vta-pynq; nvdla-small-like; tpu-v1-like), a JSON configuration, or\n"
    "the name of one in configs/ (test4x4, pynq-8x16: configs/NAME.json).\n"
    "--batch N compiles for N samples per run (default 1). --conv chooses how\n"
    "convolutions become GEMMs (auto: by estimated cost per layer). --host\n"
    "maxpool,avgpool,add runs those ops on the host. --print-after prints the\n"
    "program after a compiler pass (--list-passes lists them). The .q8 is embedded\n"
    "for `asicnn run` to check against, unless --no-ref.\n";

int cmd_compile(int argc, char **argv) {
    const char *in = NULL, *outp = NULL, *chip = "npu16", *v;
    an_npu_compile_opts o = an_npu_compile_defaults();
    int embed = 1;
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            fputs(HELP, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--list-passes") == 0) {
            for (int k = 0; AN_NPU_PASSES[k]; k++) printf("%s\n", AN_NPU_PASSES[k]);
            return 0;
        }
        if (strcmp(argv[i], "--no-ref") == 0) {
            embed = 0;
        } else if (strcmp(argv[i], "--no-fuse") == 0) {
            o.no_fuse = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--chip", &v))) {
            if (r < 0) return cli_usage("compile", "--chip needs a value");
            chip = cli_chip_arg(v);
        } else if ((r = cli_opt(argc, argv, &i, "-o", &v))) {
            if (r < 0) return cli_usage("compile", "-o needs a file");
            outp = v;
        } else if ((r = cli_opt(argc, argv, &i, "--batch", &v))) {
            int64_t b;
            if (r < 0 || cli_parse_i64(v, &b) || b < 1 || b > 65536)
                return cli_usage("compile", "--batch takes 1..65536");
            o.batch = (int)b;
        } else if ((r = cli_opt(argc, argv, &i, "--conv", &v))) {
            if (r < 0) return cli_usage("compile", "--conv needs a value");
            if (strcmp(v, "auto") == 0)
                o.conv = AN_NPU_CONV_AUTO;
            else if (strcmp(v, "kpos") == 0)
                o.conv = AN_NPU_CONV_KPOS;
            else if (strcmp(v, "im2col") == 0)
                o.conv = AN_NPU_CONV_IM2COL;
            else
                return cli_usage("compile", "--conv takes auto, kpos or im2col, not '%s'", v);
        } else if ((r = cli_opt(argc, argv, &i, "--host", &v))) {
            if (r < 0) return cli_usage("compile", "--host needs a list of ops");
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
                int k = 0;
                while (k < AN_Q_OP_COUNT && strcmp(AN_Q_OP_NAME[k], t) != 0) k++;
                if (k != AN_Q_MAXPOOL && k != AN_Q_AVGPOOL && k != AN_Q_ADD)
                    return cli_usage("compile", "--host takes maxpool, avgpool and add, not '%s'",
                                     t);
                o.host_ops |= 1u << k;
            }
        } else if ((r = cli_opt(argc, argv, &i, "--print-after", &v))) {
            if (r < 0) return cli_usage("compile", "--print-after needs a pass");
            o.print_after = v;
        } else if (argv[i][0] == '-') {
            return cli_usage("compile", "unknown option '%s'", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_usage("compile", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!in) return cli_usage("compile", "needs model.q8");
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
    s = an_npu_compile(&g, &cfg, &o, (const uint8_t *)bytes, embed ? n : 0, &x, &dump);
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
