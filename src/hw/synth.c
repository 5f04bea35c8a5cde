/*
** Synthesis of the chip (docs/hw.md): the entry point that writes the
** Verilog header into the work directory and runs one of the two flows,
** Yosys onto the OSU 0.18 um cells with OpenSTA for timing and power
** (--target asic, synth_asic.c), or Yosys synth_xilinx with a capacity
** check against the XC7Z020 (--target xc7z020, synth_xc7.c). The SRAMs and
** the instruction queues are black boxes whose area, energy and block RAMs
** come from a stated model (synth_sram.c).
**
** Contract: returns an_status with a message naming the tool and its log,
** and the JSON report (schema asicnn-synth-1) on success; never prints.
*/
#include "hw_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

an_status an_hw_synth(const an_npu_config *c, const an_hw_synth_opts *o, char **json) {
    *json = NULL;
    if (!hw_on_path("yosys"))
        return an_fail(AN_ERR_UNSUPPORTED, "Yosys ('yosys') is not on PATH; install it to "
                                           "synthesize");
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
        return an_fail(AN_ERR_IO, "%s: cannot create the directory: %s", o->out_dir,
                       strerror(errno));
    char gen[HW_PATHN];
    hw_path(gen, o->out_dir, "gen");
    an_status s = an_hw_gen(c, gen);
    if (s) return s;
    cJSON *j = cJSON_CreateObject();
    if (!j) return an_fail(AN_ERR_NOMEM, "out of memory for the synthesis report");
    cJSON_AddStringToObject(j, "schema", "asicnn-synth-1");
    cJSON_AddStringToObject(j, "target", o->target == AN_HW_ASIC ? "asic" : "xc7z020");
    cJSON_AddStringToObject(j, "chip", c->name);
    cJSON_AddNumberToObject(j, "rows", c->rows);
    cJSON_AddNumberToObject(j, "cols", c->cols);
    const int tmo = o->timeout_s > 0 ? o->timeout_s : 3600;
    s = o->target == AN_HW_ASIC ? hw_asic(c, o, gen, tmo, j) : hw_xc7(c, o, gen, tmo, j);
    if (!s) {
        *json = cJSON_Print(j);
        if (!*json) s = an_fail(AN_ERR_NOMEM, "out of memory for the synthesis report");
    }
    cJSON_Delete(j);
    return s;
}
