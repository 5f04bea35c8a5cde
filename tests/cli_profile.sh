#!/usr/bin/env bash
# End-to-end tests of the timing model from the CLI: asicnn profile on the
# seed CNN (per-layer table, CSV, trace), asicnn run --trace, and asicnn
# scalesim reproducing SCALE-Sim's AlexNet Conv1 golden value.
# Usage: tests/cli_profile.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

expect 0 'usage: asicnn profile' "$A" profile --help
expect 0 'usage: asicnn scalesim' "$A" scalesim --help
expect 1 'needs model.npu' "$A" profile
expect 2 'nothere.npu' "$A" profile "$T/nothere.npu"
expect 0 '112283 cycles .*util 91.68%  mapping 94.53%' \
  "$A" scalesim tests/fixtures/scalesim/alexnet_conv1.csv \
  --config tests/fixtures/scalesim/scale.cfg --out "$T"
grep -q '^0, 112283, 0, 91.68' "$T/alexnet_conv1_ws32/COMPUTE_REPORT.csv" || fail "COMPUTE_REPORT"

[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_profile: no data, skipped"; exit 0; }
"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 300 >/dev/null
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 100 >/dev/null
"$A" compile "$T/d.q8" --chip npu16 -o "$T/d.npu" >/dev/null
expect 0 'conv2d_2 +kpos +[0-9]+ ' "$A" profile "$T/d.npu" --csv "$T/p.csv" --trace "$T/p.json"
grep -qE '^latency [0-9]+ cycles' <<<"$out" || fail "no latency: $out"
grep -qE 'uJ per image, [0-9.]+ TOPS/W' <<<"$out" || fail "no energy: $out"
head -1 "$T/p.csv" | grep -q '^layer,mode,cycles,busy,macs,util_pct' || fail "csv header"
[ "$(wc -l < "$T/p.csv")" = 10 ] || fail "csv rows: $(cat "$T/p.csv")"
grep -q '"traceEvents"' "$T/p.json" || fail "trace"
expect 0 'cycles on the chip; wrote' "$A" run "$T/d.npu" data/digits --limit 2 --trace "$T/r.json"
echo "cli_profile: ok"
