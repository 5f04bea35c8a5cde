/*
** libFuzzer harness: the chip configuration JSON parser and validator on
** arbitrary text. A configuration that parses and validates must survive
** a round trip through an_npu_config_json unchanged (every field), and the
** buffer row counts derived from it must be positive.
*/
#include "asicnn/npu.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = (char *)fz_copy(data, size);
    if (!text) return 0;
    an_npu_config c;
    an_status st = an_npu_config_parse(text, "fuzz.json", &c);
    free(text);
    if (st != AN_OK || an_npu_config_validate(&c, "fuzz.json") != AN_OK) return 0;
    if (an_npu_act_rows(&c) < 1 || an_npu_wgt_rows(&c) < 1 || an_npu_acc_rows(&c) < 1)
        __builtin_trap();
    char *json = an_npu_config_json(&c);
    if (!json) return 0;
    an_npu_config d;
    st = an_npu_config_parse(json, "round-trip", &d);
    free(json);
    if (st != AN_OK || an_npu_config_validate(&d, "round-trip") != AN_OK) __builtin_trap();
    if (strcmp(c.name, d.name) != 0 || c.rows != d.rows || c.cols != d.cols ||
        c.act_bytes != d.act_bytes || c.wgt_bytes != d.wgt_bytes || c.acc_bytes != d.acc_bytes ||
        c.vec_lanes != d.vec_lanes || c.dram_bytes_per_cycle != d.dram_bytes_per_cycle ||
        c.dram_latency != d.dram_latency || c.dram_burst != d.dram_burst ||
        c.clock_mhz != d.clock_mhz || c.insn_depth != d.insn_depth ||
        c.token_depth != d.token_depth || c.tech_nm != d.tech_nm)
        __builtin_trap();
    return 0;
}
