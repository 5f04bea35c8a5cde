#!/usr/bin/env bash
# asicnn synth from the CLI on a tiny 2x2 chip: the ASIC flow (Yosys onto
# the OSU 0.18 um cells, OpenSTA) and the XC7Z020 flow write JSON reports
# whose fields are present and sane, and OpenSTA read the whole netlist;
# each prints its sign-off summary, and --summary prints it again from the
# JSON. The ASIC run takes a hand-written trace (--vcd) toggling one PE's
# weight register: its power from simulated activity is reported beside
# the vectorless one.
# Its error paths (unknown chip, missing liberty, unwritable report) fail
# before synthesis and leave nothing behind; the FPGA flow runs installed
# (cmake --install into a scratch prefix), from outside the repository, with
# the chip named from the install's configs. No time limit: results only.
# Skips the synthesis when yosys, sta or the OSU liberty file are missing.
# Usage: tests/cli_synth.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"
expect 0 'usage: asicnn synth' "$A" synth --help
expect 1 "--target takes asic or xc7z020, not 'gpu'" "$A" synth --target gpu
expect 1 '--period takes a number > 0' "$A" synth --period -3
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
expect 2 "$T/none.vcd: cannot read the trace" \
  "$A" synth --chip "$T/tiny.json" --vcd "$T/none.vcd" -o "$T/e.json"
[ -e "$T/e.d" ] || [ -e "$T/e.json" ] && fail "a failed synth left its work directory or report"
expect 1 '--vcd gives ASIC power' "$A" synth --chip "$T/tiny.json" --target xc7z020 --vcd x.vcd
echo '{"not": "a report"}' >"$T/bad.json"
expect 2 "$T/bad.json: not a synthesis report" "$A" synth --summary "$T/bad.json"
# one PE's weight register w0 over 8 clocks: bit 0 toggles 7 times, bit 1 3 times, the rest never
{
  printf '$scope module TOP $end\n $var wire 1 ! clk $end\n $scope module an_npu $end\n'
  for s in compute array 'g_row[0]' 'g_col[0]' pe; do printf ' $scope module %s $end\n' "$s"; done
  printf '  $var wire 8 # w0 [7:0] $end\n'
  for _ in 1 2 3 4 5 6; do printf '$upscope $end\n'; done
  printf '$upscope $end\n$enddefinitions $end\n'
  for c in 0 1 2 3 4 5 6 7; do
    printf '#%d\n0!\nb000000%d%d #\n#%d\n1!\n' $((2 * c)) $(((c / 2) % 2)) $((c % 2)) $((2 * c + 1))
  done
} >"$T/w.vcd"
# no --timeout: a loaded machine may take long; the test checks results only
expect 0 'wrote .*a.json' "$A" synth --chip "$T/tiny.json" --target asic -o "$T/a.json" --vcd "$T/w.vcd"
for w in 'Fmax [0-9.]+ MHz' 'SRAM [0-9.]+ \(MODELLED\)' 'critical path' 'from .*\(module an_' \
  'largest modules' '^    an_[a-z_]+ +x[0-9]+ +[0-9.]+ mm\^2 ' 'vectorless +[0-9.]+ mW' 'simulated +[0-9.]+ mW' '8 of [0-9,]+ flip-flops matched'; do
  grep -qE "$w" <<<"$out" || fail "ASIC summary lacks '$w': $out"
done
summary=$out
expect 0 'Fmax' "$A" synth --summary "$T/a.json"
[ "$out" = "$(grep -v -e '^wrote ' -e '^asicnn synth: ' <<<"$summary")" ] || fail "--summary differs: $out"
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
m = r["modules"]
assert abs(sum(x["area_um2"] for x in m) - r["logic_area_um2"]) < 2, m
assert m == sorted(m, key=lambda x: -x["area_um2"]) and any(x["module"] == "an_pe" and x["instances"] == 4 for x in m)
c = r["critical_path"]
assert c["start_pin"] and c["end_pin"] and c["start_module"].startswith("an_") and c["end_module"], c
s = r["simulated_power"]
assert s["clocks"] == 8 and s["flip_flops_matched"] == 8 and s["flip_flops"] == r["flip_flops"], s
assert abs(s["mean_ff_activity"] - (7 / 8 + 3 / 8) / 8) < 1e-9, s
assert 0 < s["power_mw"] and s["logic_power_leakage_mw"] > 0 and s["sram_power_mw"] == r["sram_power_mw"]
P
grep -q '^Error' "$T/a.d/sta.log" && fail "STA log has errors"
# installed, from outside the repository: the chip by name from
# PREFIX/share/asicnn/configs, hw/rtl and hw/synth from PREFIX/share/asicnn
P=$T/prefix S=$T/prefix/share/asicnn
cmake --install "$(dirname "$A")" --prefix "$P" >"$T/install.log" || fail "install: $(cat "$T/install.log")"
cp "$T/tiny.json" "$S/configs/tiny2x2.json"
mkdir "$T/w"
expect 0 'wrote .*x.json' sh -c 'cd "$1" && "$2" synth --chip tiny2x2 --target xc7z020 -o x.json' \
  sh "$T/w" "$P/bin/asicnn"
grep -qF "read_verilog -lib $S/hw/rtl/an_fifo.v" "$T/w/x.d/xc7.ys" ||
  fail "the installed synth did not read the installed RTL: $(head -20 "$T/w/x.d/xc7.ys")"
for w in '^  LUT +[0-9,]+ +53,200' '^  DSP48E1 ' '^  BRAM36 ' 'verdict +fits'; do
  grep -qE "$w" <<<"$out" || fail "XC7 summary lacks '$w': $out"
done
python3 - "$T/w/x.json" <<'P' || fail "XC7 report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["lut"] > 0 and r["ff"] > 0 and r["dsp48e1"] >= 4 and r["bram36"] > 0, r
assert r["fits"] is True and r["fit"].startswith("fits")
assert r["largest_square_array_in_dsp"] >= 2
P
echo "cli_synth: ok"
