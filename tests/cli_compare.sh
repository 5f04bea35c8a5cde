#!/usr/bin/env bash
# asicnn compare end to end: every row of the table labelled measured or
# modelled with its sources, CSV and JSON outputs, a .npu input, errors;
# each ASIC row states one process node for its clock, area and energy; the
# FPGA row is a design that fits the XC7Z020.
# Usage: tests/cli_compare.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

expect 0 'usage: asicnn compare' "$A" compare --help
expect 1 'needs model.q8' "$A" compare
expect 1 'batch' "$A" compare x.q8 data/digits --batch 0
[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_compare: no data, skipped"; exit 0; }
"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 300 >/dev/null
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 100 >/dev/null
expect 0 'ASIC npu16 28nm +modelled' "$A" compare "$T/d.q8" data/digits --ckpt "$T/d.ckpt" \
  --batch 16 --synth "$T" --csv "$T/c.csv" --json "$T/c.json"
table=$(sed -n '/^target/,/^$/p' <<<"$out" | sed '1d;/^$/d')
# ONNX Runtime's int8 and float rows when it is installed, else a note why not
rows=5
if grep -q '^ONNX Runtime int8 ' <<<"$out"; then
  rows=7
  grep -qE '^ONNX Runtime float +measured .* [0-9]+ us/call fixed' <<<"$out" || fail "ort float: $out"
  grep -qE '^  ONNX Runtime int8 \[measured\]: ONNX Runtime 1\.30\.0 .*median of 5' <<<"$out" ||
    fail "ort source: $out"
else
  grep -q 'ONNX Runtime rows left out' <<<"$out" || fail "no ort rows and no reason: $out"
fi
[ "$(wc -l <<<"$table")" = $rows ] || fail "want $rows rows: $out"
while read -r line; do
  grep -qE '^(CPU|ASIC|FPGA|GPU|ONNX Runtime) .* (measured|modelled) ' <<<"$line" ||
    fail "unlabelled: $line"
done <<<"$table"
grep -qE '^CPU int8 +measured .* 5 runs [0-9]+\.\.[0-9]+ img/s' <<<"$out" || fail "CPU spread: $out"
for t in 'CPU float' 'CPU int8' 'ASIC npu16' 'FPGA xc7z020' 'GPU '; do
  grep -qE "^  $t.*\[(measured|modelled)\]: .+" <<<"$out" || fail "no source for $t: $out"
done
grep -qE 'CPU int8 +measured' <<<"$out" || fail "CPU int8 not measured"
grep -q 'package power (estimate' <<<"$out" || fail "CPU power not labelled estimate"
head -1 "$T/c.csv" | grep -q '^target,kind,latency_us,batch' || fail "csv header"
[ "$(grep -cE ',(measured|modelled),' "$T/c.csv")" = $rows ] || fail "csv rows: $(cat "$T/c.csv")"
grep -q '"kind":' "$T/c.json" || fail "json"
# no synthesis report: one ASIC row, all at the config's 28 nm
src=$(grep -E '^  ASIC npu16 28nm ' <<<"$out")
for w in 'clock 500 MHz from the npu16 config \(28 nm\): no synthesis report' \
  'per-action model at 28 nm' 'area modelled at 28 nm'; do
  grep -qE "$w" <<<"$src" || fail "ASIC row not at 28 nm throughout ($w): $src"
done
# the FPGA row is the 8x16 design, which fits (and the 16x16 report is not used for it)
grep -qE '^FPGA xc7z020 .*pynq-8x16 est\. DSP 196/220 .* fits$' <<<"$out" || fail "FPGA fit: $out"
grep -q '8x16, 8.0 B/cycle DRAM); clock 100 MHz' <<<"$out" || fail "FPGA cycles: $out"
fpga=$(grep '^FPGA' <<<"$out")
echo '{"chip": "vta-pynq", "rows": 16, "cols": 16, "lut": 28143, "dsp48e1": 324, "bram36": 116}' \
  >"$T/synth_xc7z020.json"
expect 0 'pynq-8x16 est\. DSP' "$A" compare --no-ort "$T/d.q8" data/digits --batch 16 --synth "$T"
grep -q 'report is for another design' <<<"$out" || fail "16x16 FPGA report used: $out"
echo '{"chip": "pynq-8x16", "rows": 8, "cols": 16, "lut": 28960, "ff": 5948, "dsp48e1": 196,
  "bram36": 116}' >"$T/synth_xc7z020.json"
expect 0 'FPGA xc7z020 .* pynq-8x16 LUT 28960/53200 DSP 196/220 BRAM36 116/140 fits' \
  "$A" compare --no-ort "$T/d.q8" data/digits --batch 16 --synth "$T" --fpga-chip configs/pynq-8x16.json
rm "$T/synth_xc7z020.json"
expect 0 'FPGA' "$A" compare --no-ort "$T/d.q8" data/digits --batch 16 --fpga-chip configs/pynq-8x16.json \
  --synth "$T"
[ "$(grep '^FPGA' <<<"$out" | sed 's/ \+[0-9.]\+ \+[0-9]\+ \+/ /')" = \
  "$(sed 's/ \+[0-9.]\+ \+[0-9]\+ \+/ /' <<<"$fpga")" ] || fail "configs/pynq-8x16.json differs"
# a .npu brings its chip; a synthesis report's clock and area are used
"$A" compile "$T/d.q8" --chip nvdla-small-like -o "$T/d.npu" >/dev/null
echo '{"rows": 8, "cols": 8, "area_um2": 2500000, "fmax_mhz": 250.0}' >"$T/synth_asic.json"
expect 0 'ASIC nvdla-small-like 180nm +modelled .* 2\.500 +250 ' "$A" compare --no-ort "$T/d.npu" \
  data/digits --batch 8 --synth "$T"
grep -q 'STA Fmax from' <<<"$out" || fail "synth clock not cited: $out"
# two ASIC rows, each at one node: the report's 180 nm, and 16 nm whose clock is the STA Fmax
# scaled 250 x 180/16 = 2812.5 MHz (not the config's 1 GHz)
grep -qE '^ASIC nvdla-small-like 16nm +modelled .* 0\.020 +281[23] ' <<<"$out" || fail "scaled: $out"
src=$(grep -E '^  ASIC nvdla-small-like 180nm ' <<<"$out")
for w in 'STA Fmax from .* \(180 nm\)' 'per-action model at 180 nm' 'area from .* \(180 nm\)'; do
  grep -qE "$w" <<<"$src" || fail "180 nm row not at 180 nm throughout ($w): $src"
done
src=$(grep -E '^  ASIC nvdla-small-like 16nm ' <<<"$out")
for w in 'STA Fmax 250\.0 MHz x 180/16' 'per-action model at 16 nm' 'x \(16/180\)\^2' 'estimate'; do
  grep -qE "$w" <<<"$src" || fail "16 nm row not at 16 nm throughout ($w): $src"
done
e180=$(sed -n 's/^ASIC nvdla-small-like 180nm *modelled *[0-9.]* *[0-9]* *\([0-9.]*\).*/\1/p' <<<"$out")
e16=$(sed -n 's/^ASIC nvdla-small-like 16nm *modelled *[0-9.]* *[0-9]* *\([0-9.]*\).*/\1/p' <<<"$out")
awk -v a="$e180" -v b="$e16" 'BEGIN { exit !(a > b && b > 0) }' || fail "energy 180 nm $e180 <= 16 nm $e16"
# a report for another array is not used for this one
"$A" compile "$T/d.q8" --chip npu16 -o "$T/n.npu" >/dev/null
expect 0 'ASIC npu16 28nm +modelled' "$A" compare --no-ort "$T/n.npu" data/digits --batch 8 --synth "$T"
grep -q 'report is for another array' <<<"$out" || fail "8x8 report used for 16x16: $out"
[ "$(grep -c '^ASIC' <<<"$out")" = 1 ] || fail "one ASIC row wanted: $out"
echo "cli_compare: ok"
