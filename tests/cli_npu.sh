#!/usr/bin/env bash
# End-to-end tests of the accelerator from the CLI: the seed CNN trained
# briefly, quantized, compiled for every chip preset (and a JSON chip),
# disassembled, and run on the simulator bit-exactly against the reference
# engine; then usage errors, impossible chips and corrupt executables.
# Usage: tests/cli_npu.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

expect 0 'usage: asicnn compile' "$A" compile --help
expect 0 'usage: asicnn run' "$A" run --help
expect 0 'usage: asicnn disasm' "$A" disasm --help
expect 0 '^lower' "$A" compile --list-passes
expect 1 'needs model.q8' "$A" compile
expect 2 'nothere.q8' "$A" compile "$T/nothere.q8" -o "$T/x.npu"
echo '{"rows": 12}' > "$T/bad.json"
expect 2 'field rows = 12' "$A" compile "$T/nothere.q8" --chip "$T/bad.json" -o "$T/x.npu"
expect 2 'neither a preset' "$A" compile "$T/nothere.q8" --chip warp-drive -o "$T/x.npu"

[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_npu: no data, skipped"; exit 0; }

"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 1000 \
  --quiet --threads 2 >/dev/null
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 200 --no-eval >/dev/null
for chip in npu16 vta-pynq nvdla-small-like tpu-v1-like configs/npu16.json; do
  name=$(basename "$chip" .json)
  expect 0 "compiled for $name: [0-9]+ instructions" \
    "$A" compile "$T/d.q8" --chip "$chip" -o "$T/d-$name.npu" --batch 4
  expect 0 'bit-exact with the reference engine on 40/40 samples' \
    "$A" run "$T/d-$name.npu" data/digits --limit 40
done
expect 0 'conv2d_1 +conv2d +im2col' "$A" compile "$T/d.q8" -o "$T/a.npu"
expect 0 'bit-exact .* 24/24' "$A" run "$T/a.npu" data/digits --limit 24
expect 0 'compiled for npu16' "$A" compile "$T/d.q8" -o "$T/k.npu" --conv kpos --no-fuse --host maxpool
expect 0 'bit-exact .* 24/24' "$A" run "$T/k.npu" data/digits --limit 24 --ref "$T/d.q8"
expect 0 'compiled for npu16' "$A" compile "$T/d.q8" -o "$T/n.npu" --no-ref --batch 3
expect 0 'not checked against the reference' "$A" run "$T/n.npu" data/digits --limit 5
expect 0 'bit-exact .* 5/5' "$A" run "$T/n.npu" data/digits --limit 5 --ref "$T/d.q8"
expect 0 '== after deps' "$A" compile "$T/d.q8" -o "$T/p.npu" --print-after deps
# the tile search: the cycles it timed for the program it took are the
# simulator's count, and never more than the estimate's own tiles take
searched=0
for chip in npu16 nvdla-small-like vta-pynq; do
  for b in 1 4; do
    "$A" compile "$T/d.q8" --chip $chip --batch $b -o "$T/s.npu" --print-after tile > "$T/s.txt"
    "$A" compile "$T/d.q8" --chip $chip --batch $b -o "$T/e.npu" --no-search >/dev/null
    sim=$("$A" profile "$T/s.npu" | awk '$1 == "total" { print $2; exit }')
    est=$("$A" profile "$T/e.npu" | awk '$1 == "total" { print $2; exit }')
    [ "$sim" -le "$est" ] || fail "$chip batch $b: the search took $sim cycles, the estimate $est"
    taken=$(sed -n 's/^== tile search: .*taken: \([0-9]*\) ==$/\1/p' "$T/s.txt")
    [ -z "$taken" ] && continue
    searched=$((searched + 1))
    [ "$taken" = "$sim" ] || fail "$chip batch $b: the search timed $taken cycles, the simulator $sim"
  done
done
[ $searched -gt 0 ] || fail "no compile of the seed CNN had tiles to search"
expect 0 'FINISH' "$A" disasm "$T/a.npu"
expect 1 'conv' "$A" compile "$T/d.q8" -o "$T/p.npu" --conv winograd
expect 1 'unknown pass' "$A" compile "$T/d.q8" -o "$T/p.npu" --print-after magic
ls "$T" | grep -q tmp && fail "temporary file left behind"

# corrupt and truncated executables name the file
cp "$T/a.npu" "$T/bad.npu"
printf '\x55' | dd of="$T/bad.npu" bs=1 seek=500 conv=notrunc status=none
expect 2 'bad.npu: section .*checksum' "$A" run "$T/bad.npu" data/digits
head -c 100 "$T/a.npu" > "$T/short.npu"
expect 2 'short.npu' "$A" disasm "$T/short.npu"
echo "cli_npu: ok"
