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

static const char HELP[] =
    "usage: asicnn compare model.q8|model.npu DATA [--chip NAME|FILE] [--fpga-chip NAME|FILE]\n"
    "                      [--ckpt model.ckpt] [--batch N] [--synth DIR] [--cpu-watts W] [--csv "
    "FILE] [--json FILE]\n"
    "                      [--threads N] [--no-ort]\n"
    "\n"
    "Run the int8 model on every target and print latency per image (batch 1),\n"
    "throughput at --batch (64), energy per image, test accuracy, and area and clock\n"
    "for the hardware targets. Rows are labelled measured (wall time or CUDA events\n"
    "on this machine) or modelled (simulator cycles, GPU roofline) and list the source\n"
    "of every constant. --ckpt adds the float checkpoint on the CPU. --synth DIR holds\n"
    "synthesis reports (default out/). The chip is the .npu's, or --chip (npu16).\n"
    "With an ASIC report for its array the chip has two rows: at the report's node\n"
    "(0.18 um) and scaled to the config's node (an estimate). The FPGA row is\n"
    "--fpga-chip (default pynq-8x16 = configs/pynq-8x16.json, fits the XC7Z020).\n"
    "CPU rows (asicnn's engines and, when installed, ONNX Runtime int8 and float on\n"
    "the exported ONNX; --no-ort leaves those out) run on --threads (all cores) and\n"
    "give medians of 5 runs. docs/compare.md explains every figure.\n"
    "\n" CLI_CSV_HELP;

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
    const char *pos[2], *csv = NULL, *json = NULL, *v;
    int npos = 0, chip_given = 0;
    an_cmp_opts o = an_cmp_defaults();
    cli_data data = {0};
    for (int i = 1; i < argc; i++) {
        int r;
        int64_t n;
        if (cli_is_help(argv[i])) {
            fputs(HELP, stdout);
            return 0;
        }
        if ((r = cli_opt(argc, argv, &i, "--chip", &v))) {
            if (r < 0) return cli_usage("compare", "--chip needs a preset or a JSON file");
            o.chip = cli_chip_arg(v), chip_given = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--fpga-chip", &v))) {
            if (r < 0) return cli_usage("compare", "--fpga-chip needs a preset or a JSON file");
            o.fpga_chip = cli_chip_arg(v);
        } else if ((r = cli_opt(argc, argv, &i, "--ckpt", &v))) {
            if (r < 0) return cli_usage("compare", "--ckpt needs a checkpoint");
            o.ckpt = v;
        } else if ((r = cli_opt(argc, argv, &i, "--synth", &v))) {
            if (r < 0) return cli_usage("compare", "--synth needs a directory");
            o.synth_dir = v;
        } else if ((r = cli_opt(argc, argv, &i, "--csv", &v))) {
            if (r < 0) return cli_usage("compare", "--csv needs a file");
            csv = v;
        } else if ((r = cli_opt(argc, argv, &i, "--json", &v))) {
            if (r < 0) return cli_usage("compare", "--json needs a file");
            json = v;
        } else if ((r = cli_opt(argc, argv, &i, "--batch", &v))) {
            if (r < 0 || cli_parse_i64(v, &n) || n < 1 || n > 4096)
                return cli_usage("compare", "--batch takes a whole number in [1, 4096]");
            o.batch = (int)n;
        } else if ((r = cli_opt(argc, argv, &i, "--threads", &v))) {
            if (r < 0 || cli_parse_i64(v, &n) || n < 1 || n > 1024)
                return cli_usage("compare", "--threads takes a whole number in [1, 1024]");
            o.threads = (int)n;
        } else if (strcmp(argv[i], "--no-ort") == 0) {
            o.no_ort = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--cpu-watts", &v))) {
            if (r < 0 || cli_parse_f64(v, &o.cpu_watts) || o.cpu_watts <= 0)
                return cli_usage("compare", "--cpu-watts takes a power in W > 0");
        } else if ((r = cli_scan_data_opt("compare", argc, argv, &i, &data))) {
            if (r < 0) return 1;
        } else if (argv[i][0] == '-') {
            return cli_usage("compare", "unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage("compare", "unexpected argument '%s'", argv[i]);
        }
    }
    if (npos < 2) return cli_usage("compare", "needs model.q8 (or model.npu) and DATA");
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
    if (!s) s = an_compare(&g, &ds, &o, &c);
    if (!s) s = an_cmp_write(&c, stdout, AN_FMT_TEXT);
    if (!s && csv && !(s = write_file(&c, csv, AN_FMT_CSV))) printf("wrote %s\n", csv);
    if (!s && json && !(s = write_file(&c, json, AN_FMT_JSON))) printf("wrote %s\n", json);
    an_dataset_free(&ds);
    an_q_graph_free(&g);
    return s ? cli_error(s) : 0;
}
