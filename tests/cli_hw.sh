#!/usr/bin/env bash
# The chip in Verilog from the CLI: `hw gen` writes the header from the chip
# config and the ISA; the rtl backend (when this build has Verilator) runs
# the seed CNN and a small residual CNN (conv by both lowerings, dense,
# fused and vector max pools, avg pool, add) on the test4x4 chip: its whole
# DRAM image equals the simulator's after every batch, and its cycle count
# equals the timing model's exactly. A VCD over its size limit stops the run
# early and is removed; one inside a window holds only the window's cycles.
# The reference engine runs it through the runtime too, and the device API
# (examples/runtime_example.c) gives the same logits on the simulator and RTL.
# Usage: tests/cli_hw.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

expect 0 'usage: asicnn hw gen' "$A" hw --help
expect 1 'gen needs -o' "$A" hw gen
expect 2 'neither a preset' "$A" hw gen --chip warp-drive -o "$T/g"
expect 0 'wrote .*an_params.vh for chip test4x4' "$A" hw gen --chip configs/test4x4.json -o "$T/g"
# every file in configs/ by its name, from any directory
AA=$(cd "$(dirname "$A")" && pwd)/$(basename "$A")
for f in configs/*.json; do
  n=$(basename "$f" .json)
  set +e; out=$(cd "$T" && "$AA" hw gen --chip "$n" -o "g-$n" 2>&1); set -e
  grep -qE "for chip $n |chip $n: the RTL needs" <<<"$out" || fail "--chip $n by name: $out"
done
grep -q '^`define AN_ROWS        4$' "$T/g/an_params.vh" || fail "AN_ROWS"
grep -q '^`define AN_DMA_SRAM_SHIFT 18$' "$T/g/an_params.vh" || fail "DMA sram shift"
grep -q '^`define AN_VEC_ZP(i) (\$signed(i\[40 +: 8\]))$' "$T/g/an_params.vh" || fail "VEC zp getter"
"$A" hw gen -o "$T/g16" >/dev/null
grep -q '^`define AN_ROWS        16$' "$T/g16/an_params.vh" || fail "npu16 rows"

[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_hw: no data, skipped"; exit 0; }
"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 500 \
  --quiet --threads 2 >/dev/null
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 100 --no-eval >/dev/null
"$A" compile "$T/d.q8" --chip test4x4 -o "$T/d.npu" --batch 2 >/dev/null  # configs/ by name
# the runtime's other backends, held against the simulator
expect 0 'ref: accuracy .*; logits bit-exact with the simulator on 3/3 samples' \
  "$A" run "$T/d.npu" data/digits --limit 3 --backend ref
expect 1 'takes sim, rtl, ref or gpu' "$A" run "$T/d.npu" data/digits --backend fpga
set +e; out=$("$A" run "$T/d.npu" data/digits --limit 1 --backend rtl 2>&1); set -e
if grep -q 'not in this build' <<<"$out"; then echo "cli_hw: no Verilator, rtl skipped"; exit 0; fi
# A whole batch's VCD passes 1 GB: stopped early and removed, unless a
# window (cycles 1000..2999 here: VCD times 4 + 2 * cycle, after two reset
# cycles) or a limit is given; the run names the file's size.
expect 2 'would pass its limit of 256 MB .*--vcd-cycles A:B' \
  "$A" run "$T/d.npu" data/digits --limit 4 --backend rtl --vcd "$T/d.vcd"
[ -e "$T/d.vcd" ] && fail "an over-limit VCD left behind"
expect 2 'would pass its limit of 1 MB' "$A" run "$T/d.npu" data/digits --limit 2 --backend rtl \
  --vcd "$T/d.vcd" --vcd-cycles 0:100000 --vcd-max-mb 1
[ -e "$T/d.vcd" ] && fail "an over-limit VCD left behind (--vcd-max-mb)"
expect 2 'window starts at cycle 99999999, but the run takes [0-9]+ cycles' "$A" run "$T/d.npu" \
  data/digits --limit 2 --backend rtl --vcd "$T/d.vcd" --vcd-cycles 99999999:100000000
expect 1 '--vcd-cycles takes A:B' "$A" run "$T/d.npu" data/digits --backend rtl --vcd "$T/d.vcd" \
  --vcd-cycles 5:5
expect 1 'add --backend rtl' "$A" run "$T/d.npu" data/digits --vcd "$T/d.vcd"
expect 0 'DRAM bit-exact with the simulator on 4/4 samples; cycle-exact with the timing model' \
  "$A" run "$T/d.npu" data/digits --limit 4 --backend rtl --vcd "$T/d.vcd" --vcd-cycles 1000:3000
mb=$(sed -nE 's/^wrote .*d\.vcd: ([0-9.]+) MB, cycles 1000 to 2999 of .*/\1/p' <<<"$out")
[ -n "$mb" ] || fail "the run does not name the VCD's size and cycles: $out"
[ "$mb" = "$(awk -v b="$(stat -c %s "$T/d.vcd")" 'BEGIN { printf "%.1f", b / 1e6 }')" ] \
  || fail "VCD size $mb MB is not the file's"
[ "$(grep -m1 '^#' "$T/d.vcd")" = '#2004' ] && [ "$(grep '^#' "$T/d.vcd" | tail -1)" = '#6003' ] \
  || fail "VCD times outside the window"
"$A" compile "$T/d.q8" --chip npu16 -o "$T/d16.npu" >/dev/null
expect 2 'built for chip test4x4' "$A" run "$T/d16.npu" data/digits --limit 1 --backend rtl
# the device API on the simulator and on the RTL (examples/runtime_example.c)
out=$("$(dirname "$A")/runtime_example" "$T/d.npu") || fail "runtime_example: $out"
grep -q '^same logits on every backend that ran$' <<<"$out" && grep -q '^rtl logits:' <<<"$out" \
  || fail "runtime_example: $out"

"$A" train models/resnet_small.model data/digits -o "$T/r.ckpt" --epochs 1 --limit 200 \
  --quiet --threads 2 >/dev/null
"$A" quantize "$T/r.ckpt" data/digits -o "$T/r.q8" --calib-images 50 --no-eval >/dev/null
for opt in "--conv im2col" "--conv kpos --no-fuse" "--conv kpos --batch 2"; do
  "$A" compile "$T/r.q8" --chip configs/test4x4.json -o "$T/r.npu" $opt >/dev/null
  expect 0 'DRAM bit-exact with the simulator on 1/1 samples; cycle-exact with the timing model' \
    "$A" run "$T/r.npu" data/digits --limit 1 --backend rtl
done
echo "cli_hw: ok"
