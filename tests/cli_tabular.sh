#!/usr/bin/env bash
# The seed's tabular flow end to end on a real table: sklearn's iris.csv from
# Debian's python3-sklearn (a count header, the label in the last column).
# The CSV options are given once, at training; quantize, eval of the .q8,
# compile, run, compare, export and import read them from the files. Then
# the messages for the wrong label column, and ONNX keeping the
# normalisation. Usage: tests/cli_tabular.sh path/to/asicnn
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

IRIS=/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv
[ -f "$IRIS" ] || IRIS=tests/fixtures/data/iris_small.csv
n=$(($(wc -l <"$IRIS") - 1))
acc() { sed -nE "s/^accuracy ([0-9.]+)% .*/\1/p" <<<"$out" | head -1; }
loss() { sed -nE "s/^accuracy .*, loss ([0-9.]+),? .*/\1/p" <<<"$out" | head -1; }

expect 0 'saved' "$A" train models/seed_mlp.model "$IRIS" -o "$T/iris.ckpt" --epochs 30 \
  --label-col -1 --quiet --threads 1
expect 0 "accuracy [0-9.]+% \([0-9]+/$n\), loss" "$A" eval "$T/iris.ckpt" "$IRIS"
float=$(acc) floss=$(loss)
awk -v a="$float" 'BEGIN { exit !(a >= 80) }' || fail "iris trained to only $float%"
expect 0 'int8 accuracy' "$A" quantize "$T/iris.ckpt" "$IRIS" -o "$T/iris.q8"
# eval of the .q8 reports as eval of the checkpoint does: accuracy, loss
# (of its dequantized logits, near the float loss), the per-class table
expect 0 "accuracy [0-9.]+% \([0-9]+/$n\), loss [0-9.]+, " "$A" eval "$T/iris.q8" "$IRIS"
int8=$(acc) qloss=$(loss)
awk -v a="$float" -v b="$int8" 'BEGIN { d = a - b; exit !(d < 5 && d > -5) }' ||
  fail "int8 $int8% far from float $float%"
awk -v a="$floss" -v b="$qloss" 'BEGIN { exit !(b > 0 && b < 2 * a + 0.05 && a < 2 * b + 0.05) }' ||
  fail "int8 loss $qloss far from float loss $floss"
grep -q 'per-class accuracy' <<<"$out" || fail "eval of a .q8 has no per-class table"
expect 1 '--engine and --check-fast are for an int8 graph' \
  "$A" eval "$T/iris.ckpt" "$IRIS" --check-fast
expect 0 '\(min-max, 1 image\)' "$A" quantize "$T/iris.ckpt" "$IRIS" -o "$T/one.q8" \
  --calib-images 1 --no-eval
expect 0 'compiled for npu16' "$A" compile "$T/iris.q8" --chip npu16 -o "$T/iris.npu"
expect 0 "bit-exact with the reference engine on $n/$n" "$A" run "$T/iris.npu" "$IRIS"
[ "$(acc)" = "$int8" ] || fail "run: $(acc)% on the chip, $int8% in int8"
expect 0 'ASIC' "$A" compare "$T/iris.npu" "$IRIS" --batch 4
grep -qE " $int8 " <<<"$out" || fail "compare does not show the int8 accuracy $int8"

# ONNX keeps the normalisation and the data options (float and int8)
expect 0 'wrote' "$A" export "$T/iris.ckpt" -o "$T/iris.onnx"
expect 0 'mean\) / std, as the file records it' "$A" import "$T/iris.onnx" -o "$T/back.ckpt"
expect 0 "accuracy $float% " "$A" eval "$T/back.ckpt" "$IRIS"
expect 0 'wrote' "$A" export "$T/iris.q8" -o "$T/iq.onnx"
expect 0 'input map: the exported' "$A" import "$T/iq.onnx" -o "$T/iq.q8"
expect 0 "accuracy $int8% " "$A" eval "$T/iq.q8" "$IRIS"
# the output's kind decides its extension
expect 1 'holds a float model: .* name the output \*\.ckpt' \
  "$A" import "$T/iris.onnx" -o "$T/wrong.q8"
[ -e "$T/wrong.q8" ] && fail "import wrote a checkpoint named .q8"
expect 1 'holds a quantized model: its import is an int8 graph; name the output \*\.q8' \
  "$A" import "$T/iq.onnx" -o "$T/wrong.ckpt"
[ -e "$T/wrong.ckpt" ] && fail "import wrote an int8 graph named .ckpt"
# an ONNX file with no normalisation inside: a vector input defaults to none
printf 'input 4\ndense 3\n' >"$T/plain.model"
"$A" train "$T/plain.model" "$IRIS" -o "$T/plain.ckpt" --epochs 1 --label-col -1 \
  --normalize none --quiet >/dev/null
expect 0 'wrote' "$A" export "$T/plain.ckpt" -o "$T/plain.onnx"
expect 0 'none \(raw values\), as the file records it|none \(raw values\), as for a vector' \
  "$A" import "$T/plain.onnx" -o "$T/plain2.ckpt"

# the label in the wrong column: named, and nothing reports 0% quietly
expect 2 'is the label in column 0\? --label-col -1' "$A" eval "$T/iris.q8" "$IRIS" --label-col 0
expect 2 'is the label in column 0\? --label-col -1' \
  "$A" train models/seed_mlp.model "$IRIS" -o "$T/x.ckpt" --epochs 1 --quiet
[ -e "$T/x.ckpt" ] && fail "a failed train left a checkpoint"
# labels past the model's classes (a label column of small integers)
awk -F, 'NR == 1 { print; next } { print ($1 > 5 ? 7 : 1) "," $2 "," $3 "," $4 "," $5 }' \
  "$IRIS" >"$T/wrongcol.csv"
expect 2 'label column 0 has values 1\.\.7 but the model has 3 classes; is the label the last column\? --label-col -1' \
  "$A" run "$T/iris.npu" "$T/wrongcol.csv" --label-col 0
# a few bad rows are dropped and counted on stderr
{ cat "$IRIS"; echo "1.0,2.0,x,4.0,1"; } >"$T/dirty.csv"
expect 0 'cleaning dropped 1 of [0-9]+ rows: 1 non-numeric' "$A" eval "$T/iris.q8" "$T/dirty.csv"
echo "cli_tabular: ok ($IRIS: float $float%, int8 $int8%)"
