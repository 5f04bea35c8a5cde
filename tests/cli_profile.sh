#!/usr/bin/env bash
# End-to-end tests of the timing model from the CLI: asicnn profile on the
# seed CNN (per-layer table, CSV, trace), asicnn run --trace, and asicnn
# scalesim reproducing SCALE-Sim's AlexNet Conv1 golden value.
# A config that is empty, binary or sets no array key is an error.
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
# a config that is empty, binary or sets none of the array's keys is an
# error, not the defaults; nothing is written
: >"$T/empty.cfg"
printf 'ANNPU\0\0\0\1\2' >"$T/bin.cfg"
printf '[general]\nrun_name = x\n' >"$T/nokeys.cfg"
for c in empty:'empty' bin:'not a text INI file' nokeys:'sets none of ArrayHeight'; do
  expect 2 "${c#*:}" "$A" scalesim tests/fixtures/scalesim/alexnet_conv1.csv \
    --config "$T/${c%%:*}.cfg" --out "$T/ss"
done
[ -e "$T/ss" ] && fail "scalesim wrote output for a bad config"

[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_profile: no data, skipped"; exit 0; }
"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 300 >/dev/null
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 100 >/dev/null
"$A" compile "$T/d.q8" --chip npu16 -o "$T/d.npu" >/dev/null
expect 0 'conv2d_2 +kpos +[0-9]+ ' "$A" profile "$T/d.npu" --csv "$T/p.csv" --trace "$T/p.json"
grep -qE '^latency [0-9]+ cycles' <<<"$out" || fail "no latency: $out"
grep -q "^(stalls: the load, compute and store queues' stall cycles added up" <<<"$out" ||
  fail "the table does not say what its stalls column sums: $out"
grep -qE 'uJ per image, [0-9.]+ TOPS/W' <<<"$out" || fail "no energy: $out"
head -1 "$T/p.csv" | grep -q '^layer,mode,cycles,busy,macs,util_pct' || fail "csv header"
[ "$(wc -l < "$T/p.csv")" = 10 ] || fail "csv rows: $(cat "$T/p.csv")"
grep -q '"traceEvents"' "$T/p.json" || fail "trace"
# bounds: SCALE-Sim v2's weight-stationary fold, 2R + C + T - 2 per fold, for
# the seed CNN's shapes on 16x16 (conv 2 folds of T = 676, 72 of T = 121;
# dense 400 and 4 folds of T = 1): 1443, 12023, 18799, 187
for want in 'conv2d_1 +194688 +761 +1443 ' 'conv2d_2 +2230272 +8712 +12023 ' \
  'dense_1 +102400 +400 +18799 ' 'dense_2 +640 +3 +187 ' 'total +2528000 +9875 +32452 '; do
  grep -qE "^$want" <<<"$out" || fail "bounds row '$want': $out"
done
grep -qE '^floor ratio [0-9.]+' <<<"$out" || fail "no floor ratio: $out"
head -1 "$T/p.csv" | grep -q ',mac_floor,scalesim_ws,dram_floor,bound,bound_pct$' || fail "csv bounds"
expect 0 'cycles on the chip; wrote' "$A" run "$T/d.npu" data/digits --limit 2 --trace "$T/r.json"
echo "cli_profile: ok"
