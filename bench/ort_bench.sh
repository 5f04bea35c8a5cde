#!/usr/bin/env bash
# make bench-ort: asicnn against ONNX Runtime (npm onnxruntime-node, CPU) on
# the seed CNN, LeNet-5 and the residual CNN, float and int8, batch 1 and 64,
# the same thread count, in the same run (bench/ort_bench.c prints a line
# per row and the ratio). Each model is trained for one epoch on 2,000
# digits, quantized and exported (float ONNX and QDQ) under out/ort_bench/;
# the speed does not depend on how well it was trained.
# Usage: bench/ort_bench.sh [--build DIR] [ort_bench options: --threads N
#        --repeats N --seconds S --batches 1,64]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build
if [ "${1:-}" = --build ]; then BUILD=$2; shift 2; fi
A=$BUILD/asicnn
B=$BUILD/bench/ort_bench
[ -x "$B" ] || { echo "ort_bench: build first (make build)" >&2; exit 1; }
O=out/ort_bench
mkdir -p "$O"
for m in seed_cnn lenet5 resnet_small; do
  if [ ! -f "$O/$m.qdq.onnx" ]; then
    "$A" train "models/$m.model" data/digits -o "$O/$m.ckpt" --epochs 1 --limit 2000 --quiet >/dev/null
    "$A" quantize "$O/$m.ckpt" data/digits -o "$O/$m.q8" --calib-images 500 --no-eval >/dev/null
    "$A" export "$O/$m.ckpt" -o "$O/$m.onnx" >/dev/null
    "$A" export "$O/$m.q8" -o "$O/$m.qdq.onnx" >/dev/null
  fi
  "$B" "$m" "$O/$m.ckpt" "$O/$m.q8" "$O/$m.onnx" "$O/$m.qdq.onnx" "$@"
done
