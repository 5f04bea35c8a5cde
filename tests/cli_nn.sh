#!/usr/bin/env bash
# End-to-end tests of the model commands: summary, train, eval, predict, and
# their errors (message names the file and line; exit code 1 usage, 2 input).
# Usage: tests/cli_nn.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

# summary: Keras-style table of the seed CNN
expect 0 'Total params: 121930' "$A" summary models/seed_cnn.model
expect 0 'conv2d_2 +conv2d\+relu +\(None, 11, 11, 64\) +18496 +2230272' "$A" summary models/seed_cnn.model
expect 0 'Total MACs per sample: 2528000' "$A" summary models/seed_cnn.model

# the seed's own mistakes
printf 'input 28x28x1\nconv2d 32 3x3 relu\nmaxpool2d 2x2\ndense 64 relu\ndense 10\n' > "$T/noflat.model"
expect 2 "noflat.model:4: dense_1: .*add 'flatten'" "$A" summary "$T/noflat.model"
printf 'input 4\ndense 3\ncompile optimizer=ms:ssim loss=sparse_categorical_crossentropy\n' > "$T/ssim.model"
expect 2 "ssim.model:3: unknown optimizer 'ms:ssim'; valid: sgd, adam" "$A" summary "$T/ssim.model"
expect 2 'nothere.model: cannot open' "$A" summary "$T/nothere.model"

# usage errors
expect 1 'needs -o' "$A" train models/seed_cnn.model data/digits
expect 1 '-o .*/x.q8: a checkpoint is a .ckpt file' \
  "$A" train models/seed_mlp.model tests/fixtures/data/iris_small.csv -o "$T/x.q8"
[ -e "$T/x.q8" ] && fail "train wrote a checkpoint named .q8"
expect 1 'unknown option' "$A" train models/seed_cnn.model data/digits -o "$T/x.ckpt" --epoch 3
expect 1 'whole number' "$A" train models/seed_cnn.model data/digits -o "$T/x.ckpt" --batch 0
expect 0 'usage: asicnn train' "$A" train --help
expect 0 'usage: asicnn eval' "$A" eval --help

# the seed's tabular example: the MLP on a 4-feature CSV (label in the last
# column, count header as in sklearn's iris.csv); no test split, so no validation
expect 0 'saved' "$A" train models/seed_mlp.model tests/fixtures/data/iris_small.csv \
  -o "$T/mlp.ckpt" --epochs 40 --batch 4 --label-col -1 --quiet
"$A" train models/seed_mlp.model tests/fixtures/data/iris_small.csv -o "$T/mlp.ckpt" \
  --epochs 40 --batch 4 --label-col -1 --quiet | grep -q val_ && fail "CSV validated on its own rows"
expect 0 'accuracy (9[0-9]|100)\.[0-9]+% \([0-9]+/12\)' \
  "$A" eval "$T/mlp.ckpt" tests/fixtures/data/iris_small.csv --label-col -1
expect 1 "--label-col 'x': takes a column number" \
  "$A" eval "$T/mlp.ckpt" tests/fixtures/data/iris_small.csv --label-col x

if [ -f data/digits/train-images-idx3-ubyte.gz ]; then
  # a short training run on the real digits, then eval and predict
  expect 0 'saved' "$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" \
    --epochs 1 --limit 1000 --quiet --threads 2
  [ -f "$T/d.ckpt" ] || fail "no checkpoint written"
  ls "$T" | grep -q tmp && fail "temporary file left behind"
  expect 0 'accuracy [0-9.]+% \([0-9]+/2000\)' "$A" eval "$T/d.ckpt" data/digits
  acc=$("$A" eval "$T/d.ckpt" data/digits | sed -nE 's/^accuracy ([0-9.]+)%.*/\1/p')
  awk -v a="$acc" 'BEGIN { exit !(a > 70) }' || fail "1000-image epoch reached only $acc%"
  expect 0 'confusion matrix' "$A" eval "$T/d.ckpt" data/digits
  expect 0 'sample 3: predicted [0-9]' "$A" predict "$T/d.ckpt" data/digits 3
  expect 2 'index 5000 out of range' "$A" predict "$T/d.ckpt" data/digits 5000
  expect 0 'Total params: 121930' "$A" summary "$T/d.ckpt"
  # resume one more epoch from the checkpoint
  expect 0 'saved' "$A" train models/seed_cnn.model data/digits -o "$T/d2.ckpt" \
    --resume "$T/d.ckpt" --epochs 2 --limit 1000 --quiet --threads 2
  # a corrupt checkpoint
  cp "$T/d.ckpt" "$T/bad.ckpt"
  printf '\x55' | dd of="$T/bad.ckpt" bs=1 seek=5000 conv=notrunc status=none
  expect 2 'bad.ckpt: checksum mismatch' "$A" eval "$T/bad.ckpt" data/digits
  # a model whose input does not fit the data
  printf 'input 4\ndense 3\n' > "$T/tab.model"
  expect 2 'features' "$A" train "$T/tab.model" data/digits -o "$T/t.ckpt" --quiet
  [ -f "$T/t.ckpt" ] && fail "checkpoint written for a failed run"
fi
echo "cli_nn: ok"
