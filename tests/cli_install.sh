#!/usr/bin/env bash
# The installed tool works from anywhere: `cmake --install` of this build
# into a scratch prefix lays out bin/, lib/, include/, share/asicnn/ and
# share/doc/asicnn/; then, from a scratch directory outside the repository,
# the installed asicnn trains, quantizes, compiles for a chip found by name
# in PREFIX/share/asicnn/configs only, runs it bit-exact, writes the report,
# and (when node and onnxruntime-node are there) shows the ONNX Runtime rows
# in compare, run by the installed scripts/ort_run.js. Synthesis from
# the install is in tests/cli_synth.sh (no second synthesis here: minutes).
# Usage: tests/cli_install.sh path/to/asicnn
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"
R=$(pwd)
B=$(cd "$(dirname "$A")" && pwd)
P=$T/prefix
S=$P/share/asicnn
cmake --install "$B" --prefix "$P" >"$T/install.log" || fail "cmake --install: $(cat "$T/install.log")"
for f in bin/asicnn include/asicnn/core.h share/asicnn/configs/test4x4.json \
  share/asicnn/models/seed_mlp.model share/asicnn/hw/rtl/an_npu.v share/asicnn/hw/synth/xc7.ys \
  share/asicnn/scripts/ort_run.js share/doc/asicnn/cli.md share/doc/asicnn/README.md; do
  [ -e "$P/$f" ] || fail "the install lacks $f"
done
[ -n "$(find "$P" -name libasicnn.a)" ] || fail "the install lacks libasicnn.a"
I=$P/bin/asicnn
# a chip only the install has, by name
sed 's/"name": *"test4x4"/"name": "installed4x4"/' "$S/configs/test4x4.json" >"$S/configs/installed4x4.json"

W=$T/work
mkdir -p "$W"
cp tests/fixtures/data/iris_small.csv "$W/iris.csv"
cd "$W"
case "$W" in "$R"/*) fail "the scratch directory is inside the repository" ;; esac
expect 0 'saved' "$I" train "$S/models/seed_mlp.model" iris.csv -o m.ckpt --epochs 20 \
  --label-col -1 --quiet --threads 1
expect 0 'int8 accuracy' "$I" quantize m.ckpt iris.csv -o m.q8
expect 0 'compiled for installed4x4' "$I" compile m.q8 --chip installed4x4 -o m.npu
expect 0 'bit-exact with the reference engine on 12/12' "$I" run m.npu iris.csv
expect 0 'test4x4' "$I" hw gen --chip test4x4 -o gen
grep -q 'AN_ROWS' gen/an_params.vh || fail "hw gen: $(head -5 gen/an_params.vh)"
expect 0 'wrote r/index.html' "$I" report --q8 m.q8 iris.csv --batch 4 --synth "$W" -o r
if command -v node >/dev/null && [ -d "$R/ort/node_modules/onnxruntime-node" ]; then
  # the installed driver, marked to tell it from the source tree's
  sed -i "/^'use strict';/a require('fs').appendFileSync('$W/driver-used', 'x');" \
    "$S/scripts/ort_run.js"
  expect 0 'ONNX Runtime int8' env -u ASICNN_ORT_DRIVER -u ASICNN_ORT_MODULES \
    "$I" compare m.q8 iris.csv --batch 4 --synth "$W"
  [ -s "$W/driver-used" ] || fail "compare did not run the installed scripts/ort_run.js"
else
  echo "cli_install: no node or onnxruntime-node, ONNX Runtime rows not checked"
fi
echo "cli_install: ok"
