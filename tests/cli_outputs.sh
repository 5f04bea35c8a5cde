#!/usr/bin/env bash
# Fail early, leave nothing behind: every command checks that it can write
# its outputs before it starts working, a failed command removes the
# directories it made, and run --ref of another graph is an input error.
# Usage: tests/cli_outputs.sh path/to/asicnn
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

CSV=tests/fixtures/data/iris_small.csv
NO=$T/missing/dir
"$A" train models/seed_mlp.model "$CSV" -o "$T/m.ckpt" --epochs 3 --label-col -1 --quiet \
  --threads 1 >/dev/null
"$A" quantize "$T/m.ckpt" "$CSV" -o "$T/m.q8" --no-eval >/dev/null
"$A" compile "$T/m.q8" --chip npu16 -o "$T/m.npu" >/dev/null

# outputs in a directory that does not exist: refused before any work
expect 2 "$NO/a.ckpt: cannot write: the directory $NO does not exist" \
  "$A" train models/seed_mlp.model "$CSV" -o "$NO/a.ckpt" --epochs 1 --label-col -1
grep -q '^training' <<<"$out" && fail "train trained before failing on its output"
expect 2 "$NO/a.q8: cannot write" "$A" quantize "$T/m.ckpt" "$CSV" -o "$NO/a.q8"
grep -q 'calibrated' <<<"$out" && fail "quantize calibrated before failing on its output"
expect 2 "$NO/a.npu: cannot write" "$A" compile "$T/m.q8" --chip npu16 -o "$NO/a.npu"
expect 2 "$NO/a.onnx: cannot write" "$A" export "$T/m.ckpt" -o "$NO/a.onnx"
expect 2 "$NO/c.csv: cannot write" "$A" compare "$T/m.q8" "$CSV" --csv "$NO/c.csv"
grep -q 'target' <<<"$out" && fail "compare measured before failing on its output"
expect 2 "$NO/p.csv: cannot write" "$A" profile "$T/m.npu" --csv "$NO/p.csv"
expect 2 "$NO/t.json: cannot write" "$A" run "$T/m.npu" "$CSV" --trace "$NO/t.json"
expect 2 "$NO/s.csv: cannot write" "$A" sweep "$T/m.q8" --rows 4 -o "$NO/s.csv"
mkdir "$T/d.npu"
expect 2 "d.npu: is a directory" "$A" compile "$T/m.q8" --chip npu16 -o "$T/d.npu"
# a mismatched extension is refused, not written under the wrong name
expect 1 'an int8 graph is a \.q8 file' "$A" quantize "$T/m.ckpt" "$CSV" -o "$T/x.ckpt"
expect 1 'an executable is a \.npu file' "$A" compile "$T/m.q8" -o "$T/x.q8"
expect 1 'an ONNX file is a \.onnx' "$A" export "$T/m.ckpt" -o "$T/x.ckpt"

# a failing command removes the directories it made
expect 2 'nothere.csv' "$A" report --q8 "$T/m.q8" "$T/nothere.csv" -o "$T/rep/deep"
[ -e "$T/rep" ] && fail "a failed report left $T/rep"
printf 'Layer,IFMAP Height,IFMAP Width,Filter Height,Filter Width,Channels,Num Filter,Strides,\nc,bad\n' \
  >"$T/topo.csv"
expect 2 '' "$A" scalesim "$T/topo.csv" --out "$T/ss/new"
[ -e "$T/ss" ] && fail "a failed scalesim left $T/ss"
expect 2 'cannot create the directory' "$A" scalesim "$T/topo.csv" --out "$T/m.q8/x"

# --ref must be the graph the executable was compiled from
"$A" quantize "$T/m.ckpt" "$CSV" -o "$T/other.q8" --calib percentile --percentile 90 \
  --no-eval >/dev/null
expect 2 'not the graph .*m\.npu was compiled from' "$A" run "$T/m.npu" "$CSV" --ref "$T/other.q8"
expect 0 'bit-exact with the reference engine on 12/12' "$A" run "$T/m.npu" "$CSV" --ref "$T/m.q8"

# train --resume past --epochs says so instead of training nothing
expect 1 'has trained 3 epochs already' \
  "$A" train models/seed_mlp.model "$CSV" -o "$T/r.ckpt" --resume "$T/m.ckpt" --epochs 2
"$A" train models/seed_mlp.model "$CSV" -o "$T/one.ckpt" --epochs 1 --label-col -1 --quiet \
  >/dev/null
expect 1 'has trained 1 epoch already' \
  "$A" train models/seed_mlp.model "$CSV" -o "$T/r.ckpt" --resume "$T/one.ckpt" --epochs 1
echo "cli_outputs: ok"
