/*
** What kind of asicnn file a path holds, by its first bytes (the magic of a
** checkpoint, an int8 graph, an executable; ONNX's protobuf by its first
** field or its extension), so that a command given the wrong kind says what
** the file is and which commands take it instead of "bad magic".
*/
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char *const WHAT[] = {
    [CLI_KIND_OTHER] = "not an asicnn file", [CLI_KIND_CKPT] = "a float checkpoint (.ckpt)",
    [CLI_KIND_Q8] = "an int8 graph (.q8)",   [CLI_KIND_NPU] = "a chip executable (.npu)",
    [CLI_KIND_ONNX] = "an ONNX model",
};
static const char *const TAKEN_BY[] = {
    [CLI_KIND_OTHER] = "",
    [CLI_KIND_CKPT] = "eval, quantize, export, summary and train --resume take it",
    [CLI_KIND_Q8] = "eval, compile, compare, sweep, report, export and summary take it",
    [CLI_KIND_NPU] = "run, disasm, profile, compare and sweep take it",
    [CLI_KIND_ONNX] = "asicnn import makes it a .ckpt or a .q8; summary shows it",
};

cli_kind cli_file_kind(const char *path) {
    unsigned char b[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return CLI_KIND_OTHER;
    const size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    if (n == 8 && memcmp(b, "ANCKPT\0\0", 8) == 0) return CLI_KIND_CKPT;
    if (n == 8 && memcmp(b, "ANQ8\0\0\0\0", 8) == 0) return CLI_KIND_Q8;
    if (n == 8 && memcmp(b, "ANNPU\0\0\0", 8) == 0) return CLI_KIND_NPU;
    /* ModelProto: ir_version (field 1, a small varint), then another field */
    if (cli_is_onnx_path(path) ||
        (n >= 3 && b[0] == 0x08 && b[1] >= 3 && b[1] < 32 && (b[2] == 0x12 || b[2] == 0x3a)))
        return CLI_KIND_ONNX;
    return CLI_KIND_OTHER;
}

const char *cli_kind_name(cli_kind k) {
    return WHAT[k];
}

an_status cli_kind_check(an_status s, const char *path, cli_kind want) {
    if (s != AN_ERR_FORMAT) return s;
    const cli_kind k = cli_file_kind(path);
    if (k == CLI_KIND_OTHER || k == want) return s;
    return an_fail(AN_ERR_FORMAT, "%s is %s, not %s: %s", path, WHAT[k], WHAT[want], TAKEN_BY[k]);
}
