#!/usr/bin/env bash
# End-to-end tests of int8 quantization from the CLI: quantize a freshly
# trained checkpoint with each calibration method, evaluate the .q8 with the
# fast path checked against the reference engine, and the errors.
# Usage: tests/cli_quant.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

expect 0 'usage: asicnn quantize' "$A" quantize --help
expect 1 'quantize' "$A" quantize
expect 2 'nothere.ckpt' "$A" quantize "$T/nothere.ckpt" data/digits -o "$T/x.q8"

[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_quant: no data, skipped"; exit 0; }

"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 2000 \
  --quiet --threads 2 >/dev/null
for calib in min-max percentile entropy; do
  expect 0 "agreement +(9[89]|100)\.[0-9]+%" \
    "$A" quantize "$T/d.ckpt" data/digits -o "$T/d-$calib.q8" --calib "$calib" --calib-images 300
  [ -f "$T/d-$calib.q8" ] || fail "no .q8 written for $calib"
done
ls "$T" | grep -q tmp && fail "temporary file left behind"
expect 0 'fast path \(.*\) == reference engine, bit for bit' \
  "$A" eval "$T/d-min-max.q8" data/digits --check-fast
# each kernel family this CPU runs, forced; the others refuse with a clear error
for e in fast-vnni fast-avx2 fast-scalar; do
  set +e; out=$("$A" eval "$T/d-min-max.q8" data/digits --check-fast --engine "$e" 2>&1); rc=$?; set -e
  if [ $rc = 2 ]; then
    grep -q "needs CPU features this machine lacks" <<<"$out" || fail "$e: $out"
  else
    grep -q "$e engine (" <<<"$out" && grep -q 'bit for bit' <<<"$out" || fail "$e: $out"
  fi
done
expect 0 'accuracy [0-9.]+% \([0-9]+/2000\)' "$A" eval "$T/d-entropy.q8" data/digits --engine reference
expect 0 'Total int8 weights: 121760' "$A" summary "$T/d-percentile.q8"
expect 1 'calib' "$A" quantize "$T/d.ckpt" data/digits -o "$T/y.q8" --calib kl-magic

# a corrupt .q8 names the file
cp "$T/d-min-max.q8" "$T/bad.q8"
printf '\x55' | dd of="$T/bad.q8" bs=1 seek=300 conv=notrunc status=none
expect 2 'bad.q8' "$A" eval "$T/bad.q8" data/digits
head -c 100 "$T/d-min-max.q8" > "$T/short.q8"
expect 2 'short.q8' "$A" eval "$T/short.q8" data/digits
echo "cli_quant: ok"
