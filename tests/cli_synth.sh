#!/usr/bin/env bash
# asicnn synth from the CLI on a tiny 2x2 chip: the ASIC flow (Yosys onto
# the OSU 0.18 um cells, OpenSTA) and the XC7Z020 flow write JSON reports
# whose fields are present and sane, and OpenSTA read the whole netlist.
# Skips when yosys, sta or the OSU liberty file are missing.
# Usage: tests/cli_synth.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"
expect 0 'usage: asicnn synth' "$A" synth --help
expect 1 '--target needs asic or xc7z020' "$A" synth --target gpu
expect 1 '--period needs' "$A" synth --period -3

LIB=/usr/share/qflow/tech/osu018/osu018_stdcells.lib
command -v yosys >/dev/null && command -v sta >/dev/null && [ -r "$LIB" ] \
  || { echo "cli_synth: yosys, sta or the OSU liberty missing, skipped"; exit 0; }
cat > "$T/tiny.json" <<'J'
{"name": "tiny2x2", "rows": 2, "cols": 2, "act_kib": 1, "wgt_kib": 1, "acc_kib": 1,
 "vector_lanes": 2, "dram_bytes_per_cycle": 2.0, "dram_latency_cycles": 10,
 "dram_burst_bytes": 16, "clock_mhz": 100.0, "insn_queue_depth": 4,
 "token_queue_depth": 4, "tech_nm": 180}
J
expect 0 'wrote .*a.json' "$A" synth --chip "$T/tiny.json" --target asic -o "$T/a.json" --timeout 600
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
expect 0 'wrote .*x.json' "$A" synth --chip "$T/tiny.json" --target xc7z020 -o "$T/x.json"
python3 - "$T/x.json" <<'P' || fail "XC7 report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["lut"] > 0 and r["ff"] > 0 and r["dsp48e1"] >= 4 and r["bram36"] > 0, r
assert r["fits"] is True and r["fit"].startswith("fits")
assert r["largest_square_array_in_dsp"] >= 2
P
echo "cli_synth: ok"
