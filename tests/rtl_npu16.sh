#!/usr/bin/env bash
# The longer RTL check (`make test-rtl-npu16`, not part of `make test`): the
# Verilated model built for the npu16 chip runs the seed CNN (batch 1 and 4),
# the residual CNN (its adds fused into the convs, at batch 1 and 4, where
# the last conv hands the batch on to the dense; im2col; kpos unfused) and
# LeNet-5: its DRAM image equals the simulator's and its cycle count the
# timing model's, batch by batch.
# Usage: tests/rtl_npu16.sh path/to/asicnn   (an asicnn built with
#        -DASICNN_RTL_CHIP=configs/npu16.json; run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 1000 \
  --quiet --threads 2 >/dev/null
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 100 --no-eval >/dev/null
for b in 1 4; do
  "$A" compile "$T/d.q8" --chip npu16 -o "$T/d.npu" --batch $b >/dev/null
  expect 0 'cycle-exact with the timing model' "$A" run "$T/d.npu" data/digits --limit 8 --backend rtl
  grep "^rtl:" <<<"$out" | sed "s/^/seed CNN, batch $b: /"
done
"$A" train models/resnet_small.model data/digits -o "$T/r.ckpt" --epochs 1 --limit 200 \
  --quiet --threads 2 >/dev/null
"$A" quantize "$T/r.ckpt" data/digits -o "$T/r.q8" --calib-images 50 --no-eval >/dev/null
for opt in "--conv auto" "--conv auto --batch 4" "--conv im2col" "--conv kpos --no-fuse"; do
  "$A" compile "$T/r.q8" --chip npu16 -o "$T/r.npu" $opt >/dev/null
  expect 0 'cycle-exact with the timing model' "$A" run "$T/r.npu" data/digits --limit 2 --backend rtl
  grep "^rtl:" <<<"$out" | sed "s/^/residual CNN, $opt: /"
done
# LeNet-5: its second conv reads kernel-row elements (docs/npu.md)
"$A" train models/lenet5.model data/digits -o "$T/l.ckpt" --epochs 1 --limit 200 \
  --quiet --threads 2 >/dev/null
"$A" quantize "$T/l.ckpt" data/digits -o "$T/l.q8" --calib-images 50 --no-eval >/dev/null
"$A" compile "$T/l.q8" --chip npu16 -o "$T/l.npu" --batch 2 >/dev/null
expect 0 'cycle-exact with the timing model' "$A" run "$T/l.npu" data/digits --limit 4 --backend rtl
grep "^rtl:" <<<"$out" | sed "s/^/LeNet-5, batch 2: /"
echo "rtl_npu16: ok"
