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

static const char USAGE[] =
    "usage: asicnn synth [--chip NAME|FILE.json] [--target asic|xc7z020] [-o REPORT.json]\n"
    "                    [--period NS] [--activity A] [--nodsp] [--liberty FILE]\n"
    "                    [--timeout S] [--work DIR] [--vcd TRACE.vcd]\n"
    "       asicnn synth --summary REPORT.json\n"
    "\n"
    "Synthesize the chip's RTL (hw/rtl), write a JSON report (docs/hw.md) and\n"
    "print its sign-off summary.\n";
static const char NOTES[] =
    "It reads hw/rtl and hw/synth from the current directory when it has them,\n"
    "else asicnn's own (beside the executable, or its install's share/asicnn).\n";

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
    const char *chip = "npu16", *out = NULL, *work = NULL, *summary = NULL;
    an_hw_synth_opts o = {.period_ns = 10.0, .activity = 0.1};
    int target_i = 0;
    const cli_opt_def opts[] = {
        {.name = "--chip",
         .kind = CLI_STR,
         .dst = &chip,
         .meta = "NAME|FILE",
         .help = "the chip (default npu16; a name NAME that is no preset is\nconfigs/NAME.json)"},
        {.name = "--target",
         .kind = CLI_ENUM,
         .dst = &target_i,
         .choices = "asic|xc7z020",
         .help = "asic (default): Yosys onto the OSU 0.18 um cells, OpenSTA\n"
                 "timing and power; SRAMs black-boxed, their area and power\n"
                 "modelled. xc7z020: Yosys synth_xilinx: LUT, FF, DSP48E1,\n"
                 "BRAM36 against the XC7Z020 and whether the chip fits"},
        {.name = "-o",
         .kind = CLI_STR,
         .dst = &out,
         .meta = "FILE",
         .help = "the report (default out/synth-CHIP-TARGET.json)"},
        {.name = "--period",
         .kind = CLI_F64,
         .dst = &o.period_ns,
         .lo = 0,
         .hi = CLI_NO_MAX,
         .open = CLI_OPEN_LO,
         .meta = "NS",
         .help = "ASIC clock constraint (default 10)"},
        {.name = "--activity",
         .kind = CLI_F64,
         .dst = &o.activity,
         .lo = 0,
         .hi = 2,
         .open = CLI_OPEN_LO,
         .meta = "A",
         .help = "ASIC power: toggles per net per clock (default 0.1)"},
        {.name = "--nodsp",
         .kind = CLI_FLAG,
         .dst = &o.nodsp,
         .help = "FPGA: multipliers in LUTs, no DSP48E1"},
        {.name = "--liberty",
         .kind = CLI_STR,
         .dst = &o.liberty,
         .meta = "FILE",
         .help = "ASIC cell library (default: qflow's OSU 0.18 um)"},
        {.name = "--timeout",
         .kind = CLI_INT,
         .dst = &o.timeout_s,
         .lo = 1,
         .hi = 86400,
         .meta = "S",
         .help = "limit per tool run (default 3600)"},
        {.name = "--work",
         .kind = CLI_STR,
         .dst = &work,
         .meta = "DIR",
         .help = "scripts, logs and netlist (default: REPORT without .json)"},
        {.name = "--vcd",
         .kind = CLI_STR,
         .dst = &o.vcd,
         .meta = "FILE",
         .help = "ASIC power also from simulated activity: a trace of the rtl\n"
                 "backend (asicnn run X.npu DATA --backend rtl --vcd FILE\n"
                 "--vcd-max-mb 0) for this chip (docs/energy.md)"},
        {.name = "--summary",
         .kind = CLI_STR,
         .dst = &summary,
         .meta = "FILE",
         .help = "print the summary of an existing report; no synthesis"},
        {0}};
    const cli_cmd_spec spec = {.cmd = "synth", .usage = USAGE, .notes = NOTES, .opts = opts};
    const int rc = cli_parse(&spec, argc, argv, NULL);
    if (rc) return rc == CLI_HELP ? 0 : rc;
    const char *target = target_i ? "xc7z020" : "asic";
    chip = cli_chip_arg(chip);
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
