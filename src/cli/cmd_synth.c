/*
** asicnn synth: synthesize the chip in Verilog (hw/rtl) for a standard-cell
** ASIC (Yosys + OpenSTA onto the OSU 0.18 um cells) or the XC7Z020 FPGA
** (Yosys synth_xilinx), write the JSON report that `compare` reads (schema
** in docs/hw.md) and print its sign-off summary; --summary prints that of
** an existing report. The tools' scripts and logs stay in the work
** directory next to the report.
*/
#include "cli.h"
#include "cli_model.h"
#include "cli_synth.h"

#include "asicnn/hw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char HELP[] =
    "usage: asicnn synth [--chip NAME|FILE.json] [--target asic|xc7z020] [-o REPORT.json]\n"
    "                    [--period NS] [--activity A] [--nodsp] [--liberty FILE]\n"
    "                    [--timeout S] [--work DIR] [--vcd TRACE.vcd]\n"
    "       asicnn synth --summary REPORT.json\n"
    "\n"
    "Synthesize the chip's RTL (hw/rtl), write a JSON report (docs/hw.md) and\n"
    "print its sign-off summary.\n"
    "  --target asic     Yosys onto the OSU 0.18 um cells, OpenSTA timing and power\n"
    "                    (default); SRAMs black-boxed, their area and power modelled\n"
    "  --target xc7z020  Yosys synth_xilinx: LUT, FF, DSP48E1, BRAM36 against the\n"
    "                    XC7Z020 and whether the chip fits\n"
    "  -o FILE           the report (default out/synth-CHIP-TARGET.json)\n"
    "  --period NS       ASIC clock constraint (default 10)\n"
    "  --activity A      ASIC power: toggles per net per clock (default 0.1)\n"
    "  --nodsp           FPGA: multipliers in LUTs, no DSP48E1\n"
    "  --liberty FILE    ASIC cell library (default: qflow's OSU 0.18 um)\n"
    "  --timeout S       limit per tool run (default 3600)\n"
    "  --work DIR        scripts, logs and netlist (default: REPORT without .json)\n"
    "  --vcd FILE        ASIC power also from simulated activity: a trace of the rtl\n"
    "                    backend (asicnn run X.npu DATA --backend rtl --vcd FILE\n"
    "                    --vcd-max-mb 0) for this chip (docs/energy.md)\n"
    "  --summary FILE    print the summary of an existing report; no synthesis\n"
    "It reads hw/rtl and hw/synth from the current directory when it has them,\n"
    "else asicnn's own (beside the executable). The chip defaults to npu16; a\n"
    "name NAME that is no preset is configs/NAME.json.\n";

/* The summary of the report at path. */
static int print_summary(const char *path) {
    char *text = NULL;
    size_t n = 0;
    an_status s = an_read_file(path, 1 << 24, &text, &n);
    if (!s) s = cli_synth_summary(text, path, stdout);
    free(text);
    return s ? cli_error(s) : 0;
}

int cmd_synth(int argc, char **argv) {
    const char *chip = "npu16", *out = NULL, *work = NULL, *target = "asic", *summary = NULL, *v;
    an_hw_synth_opts o = {.period_ns = 10.0, .activity = 0.1};
    for (int i = 1; i < argc; i++) {
        int r;
        int64_t n;
        if (cli_is_help(argv[i])) {
            fputs(HELP, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--nodsp") == 0) {
            o.nodsp = 1;
        } else if ((r = cli_opt(argc, argv, &i, "--chip", &v))) {
            if (r < 0) return cli_usage("synth", "--chip needs a preset name or a JSON file");
            chip = cli_chip_arg(v);
        } else if ((r = cli_opt(argc, argv, &i, "--target", &v))) {
            if (r < 0 || (strcmp(v, "asic") != 0 && strcmp(v, "xc7z020") != 0))
                return cli_usage("synth", "--target needs asic or xc7z020");
            target = v;
        } else if ((r = cli_opt(argc, argv, &i, "-o", &v))) {
            if (r < 0) return cli_usage("synth", "-o needs a file");
            out = v;
        } else if ((r = cli_opt(argc, argv, &i, "--vcd", &v))) {
            if (r < 0) return cli_usage("synth", "--vcd needs a trace file");
            o.vcd = v;
        } else if ((r = cli_opt(argc, argv, &i, "--summary", &v))) {
            if (r < 0) return cli_usage("synth", "--summary needs a report file");
            summary = v;
        } else if ((r = cli_opt(argc, argv, &i, "--work", &v))) {
            if (r < 0) return cli_usage("synth", "--work needs a directory");
            work = v;
        } else if ((r = cli_opt(argc, argv, &i, "--liberty", &v))) {
            if (r < 0) return cli_usage("synth", "--liberty needs a file");
            o.liberty = v;
        } else if ((r = cli_opt(argc, argv, &i, "--period", &v))) {
            if (r < 0 || cli_parse_f64(v, &o.period_ns) || o.period_ns <= 0)
                return cli_usage("synth", "--period needs a positive number of ns");
        } else if ((r = cli_opt(argc, argv, &i, "--activity", &v))) {
            if (r < 0 || cli_parse_f64(v, &o.activity) || o.activity <= 0 || o.activity > 2)
                return cli_usage("synth", "--activity needs a number in (0, 2]");
        } else if ((r = cli_opt(argc, argv, &i, "--timeout", &v))) {
            if (r < 0 || cli_parse_i64(v, &n) || n <= 0 || n > 86400)
                return cli_usage("synth", "--timeout needs seconds in 1..86400");
            o.timeout_s = (int)n;
        } else {
            return cli_usage("synth", "unexpected argument '%s'", argv[i]);
        }
    }
    if (summary) return print_summary(summary);
    o.target = strcmp(target, "asic") == 0 ? AN_HW_ASIC : AN_HW_XC7Z020;
    if (o.vcd && o.target != AN_HW_ASIC)
        return cli_usage("synth", "--vcd gives ASIC power: it needs --target asic");
    char rtl_dir[1024], synth_dir[1024];
    if (!cli_find_file("hw/rtl/an_npu.v", rtl_dir, sizeof rtl_dir) ||
        !cli_find_file("hw/synth", synth_dir, sizeof synth_dir)) {
        return cli_error(an_fail(AN_ERR_IO, "hw/rtl/an_npu.v or hw/synth is neither in the "
                                            "current directory nor beside the executable "
                                            "(run from the repository)"));
    }
    rtl_dir[strlen(rtl_dir) - strlen("/an_npu.v")] = 0;
    o.rtl_dir = rtl_dir, o.synth_dir = synth_dir;
    an_npu_config c;
    an_status s = an_npu_config_get(chip, &c);
    if (s) return cli_error(s);
    char rep[1024], dir[1024], made_out[1024] = "", made_work[1024] = "";
    if (out)
        snprintf(rep, sizeof rep, "%s", out);
    else
        snprintf(rep, sizeof rep, "out/synth-%s-%s.json", c.name, target);
    if (work)
        snprintf(dir, sizeof dir, "%s", work);
    else {
        size_t n = strlen(rep);
        snprintf(dir, sizeof dir, "%.*s.d",
                 (int)(n > 5 && strcmp(rep + n - 5, ".json") == 0 ? n - 5 : n), rep);
    }
    /* the folders first (out/ by default), so a bad path fails before synthesis;
    ** a failed run removes the folders it made */
    if (!out) s = cli_output_dir("out", made_out, sizeof made_out);
    if (!s) s = cli_check_output(rep);
    if (!s) s = cli_output_dir(dir, made_work, sizeof made_work);
    if (s) {
        cli_remove_created(made_out);
        return cli_error(s);
    }
    o.out_dir = dir;
    fprintf(stderr, "asicnn synth: %s for %s (%dx%d array) in %s ...\n", target, c.name, c.rows,
            c.cols, dir);
    char *json = NULL;
    s = an_hw_synth(&c, &o, &json);
    if (!s) s = cli_write_text(rep, json);
    if (s) {
        free(json);
        cli_remove_created(made_work);
        cli_remove_created(made_out);
        return cli_error(s);
    }
    s = cli_synth_summary(json, rep, stdout);
    free(json);
    if (s) return cli_error(s);
    printf("wrote %s\n", rep);
    return 0;
}
