/*
** asicnn compare: one int8 model on every target asicnn can reach (CPU
** float and int8 measured, the ASIC and the XC7Z020 FPGA through the
** simulator, the GPU measured or modelled), one table with every row
** labelled measured or modelled and the source of every constant.
*/
#include "cli.h"
#include "cli_model.h"

#include "asicnn/report.h"

#include <string.h>

static const char USAGE[] =
    "usage: asicnn compare model.q8|model.npu DATA [--chip NAME|FILE] [--fpga-chip NAME|FILE]\n"
    "                      [--ckpt model.ckpt] [--batch N] [--synth DIR] [--cpu-watts W]\n"
    "                      [--csv FILE] [--json FILE] [--threads N] [--no-ort]\n"
    "\n"
    "Run the int8 model on every target and print latency per image (batch 1),\n"
    "throughput at --batch, energy per image, test accuracy, and area and clock\n"
    "for the hardware targets. Rows are labelled measured (wall time or CUDA events\n"
    "on this machine) or modelled (simulator cycles, GPU roofline) and list the source\n"
    "of every constant. With an ASIC report for its array the chip has two rows: at\n"
    "the report's node (0.18 um) and scaled to the config's node (an estimate).\n"
    "CPU rows (asicnn's engines and, when installed, ONNX Runtime int8 and float on\n"
    "the exported ONNX) give medians of 5 runs. docs/compare.md explains every figure.\n";

/* The int8 graph of a .q8, or the one embedded in a .npu (its chip in *cfg). */
an_status cli_load_q8_or_npu(const char *path, an_q_graph *g, an_npu_config *cfg, int *is_npu) {
    *is_npu = 0;
    if (an_q8_is_file(path)) return an_q8_load(path, g);
    an_npu_exe x;
    an_status s = cli_kind_check(an_npu_load(path, &x), path, CLI_KIND_NPU);
    if (s) return s;
    if (!x.qref_size)
        s = an_fail(AN_ERR_UNSUPPORTED,
                    "%s: compiled with --no-ref: no int8 graph inside; "
                    "give the .q8",
                    path);
    else
        s = an_q8_parse(x.qref, (size_t)x.qref_size, path, g);
    *cfg = x.cfg;
    *is_npu = !s;
    an_npu_exe_free(&x);
    return s;
}

static an_status write_file(const an_cmp *c, const char *path, int fmt) {
    an_afile f;
    an_status s = an_afile_open(&f, path);
    if (s) return s;
    if ((s = an_cmp_write(c, f.fp, fmt))) {
        an_afile_abort(&f);
        return s;
    }
    return an_afile_commit(&f);
}

int cmd_compare(int argc, char **argv) {
    const char *pos[2], *csv = NULL, *json = NULL, *chip = NULL, *fpga = NULL;
    an_cmp_opts o = an_cmp_defaults();
    cli_data data = {0};
    const cli_opt_def opts[] = {
        {.name = "--chip",
         .kind = CLI_STR,
         .dst = &chip,
         .meta = "NAME|FILE",
         .help = "the chip: the .npu's, else this (default npu16)"},
        {.name = "--fpga-chip",
         .kind = CLI_STR,
         .dst = &fpga,
         .meta = "NAME|FILE",
         .help =
             "the FPGA row's chip (default pynq-8x16 =\nconfigs/pynq-8x16.json, fits the XC7Z020)"},
        {.name = "--ckpt",
         .kind = CLI_STR,
         .dst = &o.ckpt,
         .meta = "model.ckpt",
         .help = "add the float checkpoint on the CPU"},
        {.name = "--batch",
         .kind = CLI_INT,
         .dst = &o.batch,
         .lo = 1,
         .hi = 4096,
         .meta = "N",
         .help = "throughput batch (default 64)"},
        {.name = "--synth",
         .kind = CLI_STR,
         .dst = &o.synth_dir,
         .meta = "DIR",
         .help = "synthesis reports (default out/)"},
        {.name = "--cpu-watts",
         .kind = CLI_F64,
         .dst = &o.cpu_watts,
         .lo = 0,
         .hi = CLI_NO_MAX,
         .open = CLI_OPEN_LO,
         .meta = "W",
         .help = "CPU package power estimate (default 35)"},
        {.name = "--csv",
         .kind = CLI_STR,
         .dst = &csv,
         .meta = "FILE",
         .help = "also write the table as CSV"},
        {.name = "--json",
         .kind = CLI_STR,
         .dst = &json,
         .meta = "FILE",
         .help = "also write the table as JSON"},
        {.name = "--threads",
         .kind = CLI_INT,
         .dst = &o.threads,
         .lo = 1,
         .hi = 1024,
         .meta = "N",
         .help = "threads of every CPU row (default: all cores)"},
        {.name = "--no-ort",
         .kind = CLI_FLAG,
         .dst = &o.no_ort,
         .help = "leave out the ONNX Runtime rows"},
        CLI_DATA_OPTS(&data),
        {0}};
    const cli_cmd_spec spec = {.cmd = "compare",
                               .usage = USAGE,
                               .opts = opts,
                               .pos = pos,
                               .min_pos = 2,
                               .max_pos = 2,
                               .needs = "needs model.q8 (or model.npu) and DATA"};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    const int chip_given = chip != NULL;
    if (chip) o.chip = cli_chip_arg(chip);
    if (fpga) o.fpga_chip = cli_chip_arg(fpga);
    const char *outs[] = {csv, json};
    for (int k = 0; k < 2; k++) {
        an_status s0 = outs[k] ? cli_check_output(outs[k]) : AN_OK;
        if (s0) return cli_error(s0);
    }
    an_q_graph g = {0};
    an_npu_config cfg;
    int is_npu;
    an_dataset ds = {0};
    an_cmp c;
    an_csv_options dcsv;
    an_status s = cli_load_q8_or_npu(pos[0], &g, &cfg, &is_npu);
    if (!s && is_npu && !chip_given) o.asic_cfg = &cfg;
    if (!s) s = cli_data_csv(&data, g.data_opts, pos[0], &dcsv, NULL);
    if (!s)
        s = cli_load_data(pos[1], AN_SPLIT_TEST, &dcsv, cli_q_features(&g),
                          g.layers[g.n_layers - 1].c, &ds);
    cli_ort_env();
    if (!s) s = an_compare(&g, &ds, &o, &c);
    if (!s) s = an_cmp_write(&c, stdout, AN_FMT_TEXT);
    if (!s && csv && !(s = write_file(&c, csv, AN_FMT_CSV))) printf("wrote %s\n", csv);
    if (!s && json && !(s = write_file(&c, json, AN_FMT_JSON))) printf("wrote %s\n", json);
    an_dataset_free(&ds);
    an_q_graph_free(&g);
    return s ? cli_error(s) : 0;
}
