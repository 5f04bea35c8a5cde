#!/usr/bin/env bash
# End-to-end tests of ONNX from the CLI: import the PyTorch fixtures, summary
# of an .onnx file, eval and quantize of an imported model, export and
# re-import, and the errors (unsupported ops listed, truncated and non-ONNX
# files, usage).
# Usage: tests/cli_onnx.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
F=tests/fixtures/onnx
. "$(dirname "$0")/testlib.sh"

expect 0 'usage: asicnn import' "$A" import --help
expect 0 'usage: asicnn export' "$A" export --help
expect 1 'needs model.onnx' "$A" import "$F/mlp.onnx"
expect 1 '--norm takes' "$A" import "$F/mlp.onnx" -o "$T/x.ckpt" --norm 7
expect 1 'needs model.ckpt' "$A" export "$T/x.ckpt"

for m in seed_cnn lenet5 resnet mlp mlp_matmul; do
  expect 0 "wrote $T/$m.ckpt" "$A" import "$F/$m.onnx" -o "$T/$m.ckpt"
  expect 0 "Total params" "$A" summary "$T/$m.ckpt"
  expect 0 "wrote $T/$m.onnx" "$A" export "$T/$m.ckpt" -o "$T/$m.onnx"
  expect 0 "wrote $T/$m.2.ckpt" "$A" import "$T/$m.onnx" -o "$T/$m.2.ckpt"
done
expect 0 'Softmax dropped' "$A" import "$F/mlp.onnx" -o "$T/mlp.ckpt"
expect 0 'opset 17.*pytorch' "$A" summary "$F/resnet.onnx"
expect 0 'down_Conv +conv2d\+relu6 +\(None, 8, 8, 16\)' "$A" summary "$F/resnet.onnx"

# errors: every unsupported node at once, exit code 2
expect 2 "4 unsupported: node 'grouped' \(Conv\): group=3 does not divide.*'gate' \(Sigmoid\).*ceil_mode=1.*'squash' \(Tanh\)" \
  "$A" import "$F/err_ops.onnx" -o "$T/x.ckpt"
expect 2 'external data' "$A" import "$F/err_external.onnx" -o "$T/x.ckpt"
expect 2 'function' "$A" import "$F/err_function.onnx" -o "$T/x.ckpt"
head -c 3000 "$F/seed_cnn.onnx" >"$T/cut.onnx"
expect 2 'cut.onnx' "$A" import "$T/cut.onnx" -o "$T/x.ckpt"
expect 2 'not an ONNX model' "$A" import models/seed_cnn.model -o "$T/x.ckpt"
expect 2 'not an ONNX model' "$A" summary "$T/cut.onnx"
[ ! -e "$T/x.ckpt" ] || fail "a failed import wrote its output"

# an imported 28x28 model evaluates and quantizes like any checkpoint
[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_onnx: no data, skipped"; exit 0; }
"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 1000 \
  --quiet --threads 2 >/dev/null
"$A" export "$T/d.ckpt" -o "$T/d.onnx" >/dev/null
"$A" import "$T/d.onnx" -o "$T/d2.ckpt" >/dev/null
a1=$("$A" eval "$T/d.ckpt" data/digits | grep -i '^accuracy' | sed 's/, [0-9.]* img\/s//')
a2=$("$A" eval "$T/d2.ckpt" data/digits | grep -i '^accuracy' | sed 's/, [0-9.]* img\/s//')
[ "$a1" = "$a2" ] || fail "accuracy changed through ONNX: '$a1' vs '$a2'"
expect 0 'agreement' "$A" quantize "$T/d2.ckpt" data/digits -o "$T/d2.q8" --calib-images 200
echo "cli_onnx: ok"
