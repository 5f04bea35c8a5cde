#!/usr/bin/env bash
# The model zoo on the chips, beside the accelerators' published figures:
# torchvision's ResNet-18, ResNet-50 (and MobileNetV2 when the importer takes
# grouped convolution) with random weights, exported to ONNX by
# scripts/zoo_models.py into zoo/ (git-ignored), imported, quantized on
# synthetic 224x224x3 images (fine for cycles; says nothing of accuracy),
# compiled for each chip, timed (asicnn profile: cycles do not depend on the
# input) and run bit-exactly against the integer reference engine on every
# layer of the test images. Per row, one machine-readable line
#   zoo model=M chip=C batch=B cycles=N fps=F util=U anchor=A ratio=R bitexact=yes|no
# (cycles per image; fps at the chip's clock; util: MAC utilisation; anchor:
# the published figure for that model on that configuration, ratio: ours over
# it, > 1 better; '-' where none), then a table with DRAM bytes, energy,
# compile and simulation times (CPU seconds) and SCALE-Sim's per-layer ideal.
# Anchors (configs/*.json name their sources):
#   resnet50 nvdla-2048: 140.6 fps (NVDLA's performance spreadsheet)
#   resnet50 gemmini-16: 51% MAC utilisation (ucb-bar/gemmini PR #90; 40% in #69)
#   resnet18 vta-pynq:   31 M cycles (apache/tvm PR #4694); ratio = 31 M / ours
# The quantized models are kept as zoo/NAME.q8 for the next run.
# Run by `make bench-zoo`, never by `make test`.
#
# Usage: bench/zoo.sh [--build DIR] [--models "resnet18 resnet50"]
#                     [--chips "nvdla-2048 gemmini-16 ..."] [--zoo DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=build
MODELS="resnet18 resnet50 mobilenet_v2"
CHIPS="nvdla-2048 gemmini-16 vta-pynq npu16 tpu-v1-like"
ZOO=zoo
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=${2:?--build needs a directory}; shift 2 ;;
    --models) MODELS=${2:?--models needs names}; shift 2 ;;
    --chips) CHIPS=${2:?--chips needs names}; shift 2 ;;
    --zoo) ZOO=${2:?--zoo needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "zoo.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
A=$BUILD/asicnn
[ -x "$A" ] || { echo "zoo.sh: $A not found; build first (make build)" >&2; exit 1; }
PY=/usr/bin/python3
"$PY" -c 'import torchvision' 2>/dev/null ||
  { echo "zoo.sh: $PY lacks torchvision (apt-get install python3-torchvision)" >&2; exit 1; }
"$PY" scripts/zoo_models.py --out "$ZOO" --models "$(tr ' ' ',' <<<"$MODELS")" >/dev/null
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# CPU seconds (user + system) of a command; its output goes to $W/out.
cpu() {
  local t0 t1
  t0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  "$@" >"$W/out" 2>&1 && rc=0 || rc=$?
  t1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  secs=$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (b - a) / hz }')
  return $rc
}

# The published figure for model $1 on chip $2: "kind value" (fps, util or cycles).
anchor() {
  case "$1/$2" in
    resnet50/nvdla-2048) echo "fps 140.6" ;;
    resnet50/gemmini-16) echo "util 0.51" ;;
    resnet18/vta-pynq) echo "cycles 31000000" ;;
    *) echo "- -" ;;
  esac
}

rows=()
for m in $MODELS; do
  q8=$ZOO/$m.q8 # kept beside its ONNX file while both are newer than the images
  if ! [ "$q8" -nt "$ZOO/$m.onnx" ] || ! [ "$q8" -nt "$ZOO/images/train-images-idx3-ubyte.gz" ]; then
    if ! cpu "$A" import "$ZOO/$m.onnx" -o "$W/$m.ckpt" --norm 255; then
      echo "zoo.sh: $m: import failed, skipped: $(tail -c 300 "$W/out")" >&2
      continue
    fi
    cpu "$A" quantize "$W/$m.ckpt" "$ZOO/images" -o "$q8" --calib-images 8 --no-eval ||
      { echo "zoo.sh: $m: quantize failed: $(tail -c 300 "$W/out")" >&2; continue; }
  fi
  for c in $CHIPS; do
    cn=$(basename "$c" .json)
    cfg=configs/$cn.json
    [ -f "$c" ] && cfg=$c
    clock=$(sed -n 's/.*"clock_mhz": *\([0-9.eE+]*\).*/\1/p' "$cfg")
    batches=1
    [ "$cn" = gemmini-16 ] && batches="1 4"
    for b in $batches; do
      npu=$W/$m-$cn-$b.npu
      if ! cpu "$A" compile "$q8" --chip "$c" --batch "$b" -o "$npu"; then
        echo "zoo.sh: $m on $cn batch $b: compile failed: $(tail -c 300 "$W/out")" >&2
        continue
      fi
      tc=$secs
      cpu "$A" profile "$npu" --csv "$W/p.csv" || { echo "zoo.sh: profile failed" >&2; continue; }
      tp=$secs
      exact=no
      cpu "$A" run "$npu" "$ZOO/images" --limit "$b" || true
      grep -qE "bit-exact with the reference engine on ([0-9]+)/\1 " "$W/out" && exact=yes
      ts=$(awk -v a="$tp" -v b="$secs" 'BEGIN { printf "%.2f", a + b }')
      read -r kind val <<<"$(anchor "$m" "$cn")"
      line=$(awk -F, -v m="$m" -v c="$cn" -v b="$b" -v ex="$exact" -v mhz="$clock" \
        -v kind="$kind" -v val="$val" -v tc="$tc" -v ts="$ts" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $1 != "total" { pj += $col["energy_pj"]; ss += $col["scalesim_ws"]; next }
        {
          cyc = $col["cycles"] / b; util = $col["util_pct"] / 100; fps = mhz * 1e6 / cyc
          ratio = "-"
          if (kind == "fps") ratio = sprintf("%.2f", fps / val)
          if (kind == "util") ratio = sprintf("%.2f", util / val)
          if (kind == "cycles") ratio = sprintf("%.2f", val / cyc)
          printf "zoo model=%s chip=%s batch=%d cycles=%d fps=%.1f util=%.3f anchor=%s ratio=%s bitexact=%s",
                 m, c, b, cyc, fps, util, val, ratio, ex
          printf " dram_bytes=%d energy_uj=%.1f compile_s=%s sim_s=%s scalesim=%d\n",
                 ($col["dram_read"] + $col["dram_written"]) / b, pj / b / 1e6, tc, ts,
                 ss / b
        }' "$W/p.csv")
      echo "${line%% dram_bytes=*}"
      rows+=("$line")
    done
  done
done

echo
printf '%s\n' "${rows[@]}" | awk '
  BEGIN {
    fmt = "%-12s %-16s %5s %11s %8s %6s %9s %9s %9s %7s %11s %9s %6s %8s\n"
    printf fmt, "model", "chip", "batch", "cycles/img", "fps", "util", "DRAM MB", "uJ/img",
           "compile_s", "sim_s", "scalesim", "anchor", "ratio", "bitexact"
  }
  NF {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf fmt, v["model"], v["chip"], v["batch"], v["cycles"], v["fps"], v["util"],
           sprintf("%.1f", v["dram_bytes"] / 1e6), v["energy_uj"], v["compile_s"], v["sim_s"],
           v["scalesim"], v["anchor"], v["ratio"], v["bitexact"]
  }'
