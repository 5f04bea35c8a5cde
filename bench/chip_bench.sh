#!/usr/bin/env bash
# The chip against its bounds: each model compiled for each chip at batch 1
# and 64, one timed run (asicnn profile: cycles are exact and do not depend
# on the input, so one run is the figure) and a bit-exact run against the
# integer reference engine. Per row, one machine-readable line
#   chip_bench model=M chip=C batch=B cycles_per_image=N util=U bound_pct=P
#     min_layer_bound_pct=L floor_ratio=F bitexact=yes|no
# (bound_pct: the sum of the layers' bounds over the cycles; min_layer: the
# worst conv/dense layer; floor_ratio: cycles over max(MAC floor, DRAM floor)
# of the whole model; docs/timing.md, "Bounds"), then a table.
# Models train 1 epoch on 1,000 digits first (accuracy is not the point).
# Run by `make bench-chip`, never by `make test`.
#
# Usage: bench/chip_bench.sh [--build DIR] [--models "seed_cnn lenet5 ..."]
#                            [--chips "npu16 vta-pynq ..."] [--batches "1 64"]
#                            [--check N]
#   --check N   samples in the bit-exact run (default 128)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=build
MODELS="seed_cnn lenet5 resnet_small vgg_small"
CHIPS="npu16 vta-pynq nvdla-small-like tpu-v1-like"
BATCHES="1 64"
CHECK=128
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=${2:?--build needs a directory}; shift 2 ;;
    --models) MODELS=${2:?--models needs names}; shift 2 ;;
    --chips) CHIPS=${2:?--chips needs names}; shift 2 ;;
    --batches) BATCHES=${2:?--batches needs numbers}; shift 2 ;;
    --check) CHECK=${2:?--check needs a number}; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "chip_bench.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done
A=$BUILD/asicnn
[ -x "$A" ] || { echo "chip_bench.sh: $A not found; build first (make build)" >&2; exit 1; }
DATA=data/digits
[ -f $DATA/train-images-idx3-ubyte.gz ] || { echo "chip_bench.sh: $DATA missing (make data)" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

rows=()
for m in $MODELS; do
  [ -f models/$m.model ] || { echo "chip_bench.sh: models/$m.model not found, skipped" >&2; continue; }
  "$A" train models/$m.model $DATA -o "$W/$m.ckpt" --epochs 1 --limit 1000 --quiet >/dev/null
  "$A" quantize "$W/$m.ckpt" $DATA -o "$W/$m.q8" --calib-images 100 --no-eval >/dev/null
  for c in $CHIPS; do
    cn=$(basename "$c" .json) # a preset's name, or a config file's
    for b in $BATCHES; do
      npu=$W/$m-$cn-$b.npu
      "$A" compile "$W/$m.q8" --chip "$c" --batch "$b" -o "$npu" >/dev/null
      "$A" profile "$npu" --csv "$W/p.csv" >/dev/null
      exact=no
      "$A" run "$npu" $DATA --limit "$CHECK" 2>/dev/null |
        grep -qE "bit-exact with the reference engine on ([0-9]+)/\1 " && exact=yes
      line=$(awk -F, -v m="$m" -v c="$cn" -v b="$b" -v ex="$exact" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        $1 == "total" {
          cyc = $col["cycles"]; fl = $col["mac_floor"]; df = $col["dram_floor"]
          if (df > fl) fl = df
          tot = sprintf("cycles_per_image=%d util=%.3f bound_pct=%.1f", cyc / b,
                        $col["util_pct"] / 100, $col["bound_pct"])
          ratio = fl ? cyc / fl : 0
          next
        }
        $col["bound"] > 0 && (minp == "" || $col["bound_pct"] < minp) { minp = $col["bound_pct"] }
        END {
          printf "chip_bench model=%s chip=%s batch=%d %s min_layer_bound_pct=%.1f floor_ratio=%.2f bitexact=%s\n",
                 m, c, b, tot, minp, ratio, ex
        }' "$W/p.csv")
      echo "$line"
      rows+=("$line")
    done
  done
done

echo
printf '%-14s %-18s %6s %12s %7s %8s %10s %8s %9s\n' model chip batch cycles/img util "bound%" \
  "min layer%" floor bitexact
for r in "${rows[@]}"; do
  eval "$(tr ' ' '\n' <<<"${r#chip_bench }" | sed 's/^\([a-z_]*\)=/\1=/')"
  printf '%-14s %-18s %6s %12s %7s %8s %10s %8s %9s\n' "$model" "$chip" "$batch" \
    "$cycles_per_image" "$util" "$bound_pct" "$min_layer_bound_pct" "$floor_ratio" "$bitexact"
done
