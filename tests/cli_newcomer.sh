#!/usr/bin/env bash
# A newcomer's first hour: every `asicnn` line of README.md's CLI examples,
# in order, as written, in a scratch directory (models/ and data/ linked
# there), with only lighter work appended where a line would take minutes
# (the digits training: 1 epoch on 500 images; calibration on 100 images;
# run on 200 samples). Each must exit 0. Then the messages a newcomer
# meets: a file of the wrong kind names what it is and which commands take
# it; chips from configs/ by name; "1 epoch", "1 sample".
# Usage: tests/cli_newcomer.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"
[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_newcomer: no data, skipped"; exit 0; }
AA=$(cd "$(dirname "$A")" && pwd)/$(basename "$A")
ROOT=$PWD
ln -s "$ROOT/models" "$T/models"
ln -s "$ROOT/data" "$T/data"

# the README's example lines: from "## The CLI" to the next section
mapfile -t lines < <(sed -n '/^## The CLI/,/^## Building/p' README.md | sed -n '/^```$/,/^```$/p' |
  grep -E '^(asicnn|IRIS=)' | sed 's/ *# .*$//')
[ "${#lines[@]}" -ge 15 ] || fail "README.md's examples not found (${#lines[@]} lines)"
# lighter work: appended options only, the README's own words stay
lighter() {
  case "$1" in
    "asicnn train "*"data/digits"*) echo " --epochs 1 --limit 500 --quiet" ;;
    "asicnn quantize "*) echo " --calib-images 100" ;;
    "asicnn run "*) echo " --limit 200" ;;
    *) echo "" ;;
  esac
}
n=0
cd "$T"
set +o pipefail # `asicnn disasm digits.npu | head`
for line in "${lines[@]}"; do
  extra=$(lighter "$line")
  cmd="${line/#asicnn /\"\$AA\" }$extra"
  eval "$cmd" >out.txt 2>&1 || fail "README line failed: $line$extra: $(tail -5 out.txt)"
  n=$((n + 1))
done
set -o pipefail
[ -s report/index.html ] && [ -s iris.npu ] || fail "README's report or iris.npu missing"

# the wrong kind of file: what it is, and which commands take it
expect 2 'digits.q8 is an int8 graph \(.q8\), not a float checkpoint .*compile' \
  "$AA" quantize digits.q8 data/digits -o x.q8
expect 2 'digits.onnx is an ONNX model, not a float checkpoint.*import' \
  "$AA" eval digits.onnx data/digits
expect 2 'digits.onnx is an ONNX model, not an int8 graph' "$AA" compile digits.onnx -o x.npu
expect 2 'digits.ckpt is a float checkpoint \(.ckpt\), not an int8 graph' \
  "$AA" compile digits.ckpt -o x.npu
expect 2 'digits.npu is a chip executable \(.npu\): asicnn disasm shows it' "$AA" summary digits.npu
expect 2 'digits.ckpt is a float checkpoint \(.ckpt\), not a data set' "$AA" data info digits.ckpt
expect 2 'digits.q8 is an int8 graph \(.q8\), not a chip executable' "$AA" run digits.q8 data/digits
expect 2 'digits.ckpt is a float checkpoint \(.ckpt\), not an int8 graph' \
  "$AA" run digits.npu data/digits --ref digits.ckpt
# every file in configs/ by name, from here
expect 0 'compiled for test4x4' "$AA" compile digits.q8 --chip test4x4 -o t.npu
expect 0 'compiled for pynq-8x16' "$AA" compile digits.q8 --chip pynq-8x16 -o p.npu
expect 2 "neither a preset" "$AA" compile digits.q8 --chip no-such-chip -o x.npu
# singular and plural
expect 0 '1 epoch[^s]' "$AA" train models/seed_cnn.model data/digits -o one.ckpt --epochs 1 --limit 64
expect 0 ' 1 sample[^s]' "$AA" run digits.npu data/digits --limit 1
echo "cli_newcomer: ok ($n README lines, then the messages)"
