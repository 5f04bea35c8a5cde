#!/usr/bin/env bash
# asicnn synth from the CLI on a tiny 2x2 chip: the ASIC flow (Yosys onto
# the OSU 0.18 um cells, OpenSTA) and the XC7Z020 flow write JSON reports
# whose fields are present and sane, and OpenSTA read the whole netlist.
# Its error paths (unknown chip, missing liberty, unwritable report) fail
# before synthesis and leave nothing behind; the FPGA flow runs from outside
# the repository. No time limit: results only.
# Skips the synthesis when yosys, sta or the OSU liberty file are missing.
# Usage: tests/cli_synth.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"
expect 0 'usage: asicnn synth' "$A" synth --help
expect 1 '--target needs asic or xc7z020' "$A" synth --target gpu
expect 1 '--period needs' "$A" synth --period -3
cat > "$T/tiny.json" <<'J'
{"name": "tiny2x2", "rows": 2, "cols": 2, "act_kib": 1, "wgt_kib": 1, "acc_kib": 1,
 "vector_lanes": 2, "dram_bytes_per_cycle": 2.0, "dram_latency_cycles": 10,
 "dram_burst_bytes": 16, "clock_mhz": 100.0, "insn_queue_depth": 4,
 "token_queue_depth": 4, "tech_nm": 180}
J

# the flow's errors, each before any synthesis, leaving no work directory
expect 2 'neither a preset' "$A" synth --chip "$T/none.json" -o "$T/e.json"
expect 2 "$T/no/e.json" "$A" synth --chip "$T/tiny.json" -o "$T/no/e.json"
[ -e "$T/no" ] && fail "a failed synth made the report's directory"
LIB=/usr/share/qflow/tech/osu018/osu018_stdcells.lib
command -v yosys >/dev/null && command -v sta >/dev/null && [ -r "$LIB" ] \
  || { echo "cli_synth: yosys, sta or the OSU liberty missing, skipped"; exit 0; }
expect 2 "$T/none.lib: liberty file not found" \
  "$A" synth --chip "$T/tiny.json" --liberty "$T/none.lib" -o "$T/e.json"
[ -e "$T/e.d" ] || [ -e "$T/e.json" ] && fail "a failed synth left its work directory or report"
# no --timeout: a loaded machine may take long; the test checks results only
expect 0 'wrote .*a.json' "$A" synth --chip "$T/tiny.json" --target asic -o "$T/a.json"
python3 - "$T/a.json" <<'P' || fail "ASIC report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["target"] == "asic" and r["rows"] == 2, r
for k in ("cells", "logic_area_um2", "sram_area_um2", "area_um2", "fmax_mhz", "power_mw", "flip_flops"):
    assert r[k] > 0, k
assert r["area_um2"] == r["logic_area_um2"] + r["sram_area_um2"]
assert r["sta_read_whole_netlist"] and r["sta_instances"] == r["cells"] + r["hierarchical_instances"]
assert r["yosys_check_clean"]
assert 20 < r["fmax_mhz"] < 1000 and r["worst_slack_ns"] > -1000
assert r["critical_path"]["startpoint"] and r["critical_path"]["data_arrival_ns"] > 0
assert "MODELLED" in r["sram"]["model"] and r["activity"] == 0.1
P
grep -q '^Error' "$T/a.d/sta.log" && fail "STA log has errors"
# from outside the repository: hw/rtl and hw/synth found beside the executable
AA=$(cd "$(dirname "$A")" && pwd)/$(basename "$A")
expect 0 'wrote .*x.json' sh -c 'cd "$1" && "$2" synth --chip tiny.json --target xc7z020 -o x.json' \
  sh "$T" "$AA"
python3 - "$T/x.json" <<'P' || fail "XC7 report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["lut"] > 0 and r["ff"] > 0 and r["dsp48e1"] >= 4 and r["bram36"] > 0, r
assert r["fits"] is True and r["fit"].startswith("fits")
assert r["largest_square_array_in_dsp"] >= 2
P
echo "cli_synth: ok"
