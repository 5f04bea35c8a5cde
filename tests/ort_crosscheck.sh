#!/usr/bin/env bash
# The ONNX Runtime cross-check of every ONNX file asicnn exports: the float
# export of each model kind (the PyTorch fixtures imported, and the project's
# own models trained briefly on the digits) and the QDQ export of their int8
# graphs, each run in ONNX Runtime (npm onnxruntime-node, through
# scripts/ort_run.js) and compared with asicnn by tests/ort_check.c: float
# within 1e-5 relative, int8 counted equal / off by 1 LSB / worse (within
# 1 LSB without average pooling; see below). Skipped
# (exit 77) with the reason when node or the package is absent.
# Usage: tests/ort_crosscheck.sh path/to/asicnn path/to/ort_check   (from the repository root)
set -euo pipefail
A=$1
C=$2
F=tests/fixtures/onnx
. "$(dirname "$0")/testlib.sh"

set +e
probe=$(node scripts/ort_run.js check 2>&1)
set -e
if ! grep -q '^ok onnxruntime-node' <<<"$probe"; then
  echo "ort_crosscheck: skipped: ONNX Runtime is not usable here (run scripts/bootstrap.sh): $probe"
  exit 77
fi

# a check that must pass: its counts printed, its exit code 0
check() {
  expect 0 "$1" "$C" "${@:2}"
  echo "$out"
}

# the imported fixtures, exported again, on random inputs
for m in seed_cnn lenet5 resnet mlp mlp_matmul mobile tv_forms; do
  "$A" import "$F/$m.onnx" -o "$T/$m.ckpt" >/dev/null
  "$A" export "$T/$m.ckpt" -o "$T/$m.onnx" >/dev/null
  check ', 0 beyond 1e-5' "$T/$m.ckpt" "$T/$m.onnx"
done
# torchvision's node forms as imported against the original file (batch 1)
"$A" import "$F/tv_forms.onnx" -o "$T/tv_raw.ckpt" --norm none >/dev/null
check ', 0 beyond 1e-5' "$T/tv_raw.ckpt" "$F/tv_forms.onnx" --n 1

# the check can fail: another model's logits are not these
"$A" export "$T/lenet5.ckpt" -o "$T/other.onnx" >/dev/null
"$A" import "$F/seed_cnn.onnx" -o "$T/sc.ckpt" >/dev/null
expect 1 ', [1-9][0-9]* beyond 1e-5' "$C" "$T/sc.ckpt" "$T/other.onnx"

[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "ort_crosscheck: no data, the trained models skipped"; exit 0; }

# the project's models, trained briefly, float and int8 (QDQ), on test digits
# and on random int8 inputs. ONNX Runtime computes each QDQ op in float and
# rounds half to even; asicnn requantizes in fixed point (gemmlowp) and
# rounds its average pooling half away from zero, so single logits differ
# by 1 LSB. Average pooling carries such differences on: a 2x2 window ties
# once in four (LeNet-5: up to 2 LSB), and a global 7x7 mean keeps its
# input's coarse scale, so a 1-LSB step of its mean moves the logits of the
# dense layer after it by several LSB (resnet_small: up to 5 measured). A
# model with max pooling only stays within 1 LSB.
for spec in seed_cnn:1 lenet5:2 resnet_small:6; do
  m=${spec%:*} lsb=${spec#*:}
  "$A" train "models/$m.model" data/digits -o "$T/d_$m.ckpt" --epochs 1 --limit 600 \
    --quiet --threads 2 >/dev/null
  "$A" quantize "$T/d_$m.ckpt" data/digits -o "$T/d_$m.q8" --calib-images 200 --no-eval >/dev/null
  "$A" export "$T/d_$m.ckpt" -o "$T/d_$m.onnx" >/dev/null
  "$A" export "$T/d_$m.q8" -o "$T/d_$m.qdq.onnx" >/dev/null
  check ', 0 beyond 1e-5' "$T/d_$m.ckpt" "$T/d_$m.onnx" data/digits --n 200
  check ' worse \(at most [0-9] LSB' "$T/d_$m.q8" "$T/d_$m.qdq.onnx" data/digits --n 200 --lsb "$lsb"
  check ' worse \(at most [0-9] LSB' "$T/d_$m.q8" "$T/d_$m.qdq.onnx" --n 200 --lsb "$lsb"
done

# depthwise and grouped convolutions (ONNX Conv group), float and int8: max
# pooling only, but four requantized convs in a row carry single-LSB rounding
# differences on (measured: up to 2 LSB; the same net without groups too)
cat >"$T/d_dw.model" <<'EOF'
input 28x28x1
conv2d 8 3x3 stride=2 same relu6
depthwise_conv2d 3x3 same relu6
conv2d 16 1x1 relu
conv2d 16 3x3 stride=2 same groups=4 relu
maxpool2d 7x7
flatten
dense 10
EOF
"$A" train "$T/d_dw.model" data/digits -o "$T/d_dw.ckpt" --epochs 1 --limit 600 --quiet \
  --threads 2 >/dev/null
"$A" quantize "$T/d_dw.ckpt" data/digits -o "$T/d_dw.q8" --calib-images 200 --no-eval >/dev/null
"$A" export "$T/d_dw.ckpt" -o "$T/d_dw.onnx" >/dev/null
"$A" export "$T/d_dw.q8" -o "$T/d_dw.qdq.onnx" >/dev/null
check ', 0 beyond 1e-5' "$T/d_dw.ckpt" "$T/d_dw.onnx" data/digits --n 200
check ' worse \(at most [0-9] LSB' "$T/d_dw.q8" "$T/d_dw.qdq.onnx" data/digits --n 200 --lsb 2

# an int8 mismatch is caught: the QDQ file of another model
expect 1 '[1-9][0-9]* worse' "$C" "$T/d_seed_cnn.q8" "$T/d_lenet5.qdq.onnx" data/digits --n 50
echo "ort_crosscheck: ok"
