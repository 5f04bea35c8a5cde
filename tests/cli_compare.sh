#!/usr/bin/env bash
# asicnn compare end to end: every row of the table labelled measured or
# modelled with its sources, CSV and JSON outputs, a .npu input, errors.
# Usage: tests/cli_compare.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {
  local code=$1 pat=$2; shift 2
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  [ "$rc" = "$code" ] || fail "'$*' exited $rc, wanted $code: $out"
  grep -qE -- "$pat" <<<"$out" || fail "'$*' output lacks /$pat/: $out"
}

expect 0 'usage: asicnn compare' "$A" compare --help
expect 1 'needs model.q8' "$A" compare
expect 1 'batch' "$A" compare x.q8 data/digits --batch 0
[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_compare: no data, skipped"; exit 0; }
"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 300 >/dev/null
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 100 >/dev/null
expect 0 'ASIC npu16 +modelled' "$A" compare "$T/d.q8" data/digits --ckpt "$T/d.ckpt" \
  --batch 16 --synth "$T" --csv "$T/c.csv" --json "$T/c.json"
table=$(sed -n '/^target/,/^$/p' <<<"$out" | sed '1d;/^$/d')
[ "$(wc -l <<<"$table")" = 5 ] || fail "want 5 rows: $out"
while read -r line; do
  grep -qE '^(CPU|ASIC|FPGA|GPU) .* (measured|modelled) ' <<<"$line" || fail "unlabelled: $line"
done <<<"$table"
for t in 'CPU float' 'CPU int8' 'ASIC npu16' 'FPGA xc7z020' 'GPU '; do
  grep -qE "^  $t.*\[(measured|modelled)\]: .+" <<<"$out" || fail "no source for $t: $out"
done
grep -qE 'CPU int8 +measured' <<<"$out" || fail "CPU int8 not measured"
grep -q 'package power (estimate' <<<"$out" || fail "CPU power not labelled estimate"
head -1 "$T/c.csv" | grep -q '^target,kind,latency_us,batch' || fail "csv header"
[ "$(grep -cE ',(measured|modelled),' "$T/c.csv")" = 5 ] || fail "csv rows: $(cat "$T/c.csv")"
grep -q '"kind":' "$T/c.json" || fail "json"
# a .npu brings its chip; a synthesis report's clock and area are used
"$A" compile "$T/d.q8" --chip nvdla-small-like -o "$T/d.npu" >/dev/null
echo '{"rows": 8, "cols": 8, "area_um2": 2500000, "fmax_mhz": 250.0}' >"$T/synth_asic.json"
expect 0 'ASIC nvdla-small-like +modelled .* 2\.500 +250 ' "$A" compare "$T/d.npu" data/digits \
  --batch 8 --synth "$T"
grep -q 'STA Fmax from' <<<"$out" || fail "synth clock not cited: $out"
echo "cli_compare: ok"
