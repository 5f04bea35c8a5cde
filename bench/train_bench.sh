#!/usr/bin/env bash
# Benchmark asicnn against PyTorch on the seed CNN, in the same run:
#   (1) training, one epoch of Fashion-MNIST 60k (batch 32, Adam lr 1e-3)
#   (2) inference at batch 256 over the 10k test images
#   (3) inference at batch 1 over a fixed number of samples
# and print images/s for both and the ratio asicnn / PyTorch, with the goals
# (training >= 1.5x, inference batch 256 >= 1.0x). Both sides use the same
# thread count (default 2). Run by `make bench`, never by `make test`.
#
# Usage: bench/train_bench.sh [--build DIR] [--data DIR] [--images N]
#                             [--threads N] [--infer-samples N]
#   --build DIR   asicnn build directory holding bench/train_bench (default build)
#   --images N    train on the first N images only (quick check; default all)
# PYTHON names the interpreter that has torch (default /usr/bin/python3).
# Exit status: 0 when both sides ran (goals missed or not), 1 otherwise.
# Time on an otherwise idle machine: with another process on the cores, both
# sides' thread teams stall and the numbers (and ratios) swing several-fold.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=build
DATA=data/fashion-mnist
PYTHON=${PYTHON:-/usr/bin/python3}
COMMON=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD=${2:?--build needs a directory}; shift 2 ;;
    --data) DATA=${2:?--data needs a directory}; shift 2 ;;
    --images|--threads|--infer-samples)
      COMMON+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "train_bench.sh: unknown argument '$1'" >&2; exit 1 ;;
  esac
done

BIN=$BUILD/bench/train_bench
if [ ! -x "$BIN" ]; then
  echo "train_bench.sh: $BIN not found; build first (make build)" >&2
  exit 1
fi

# PyTorch first: a missing peer fails here, not after asicnn's side has run.
if ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
  echo "train_bench.sh: $PYTHON cannot import torch; install python3-torch" \
    "(scripts/bootstrap.sh --bench, which make bench runs) or set PYTHON" >&2
  exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "== asicnn"
"$BIN" --data "$DATA" ${COMMON[@]+"${COMMON[@]}"} | tee -a "$out"
echo "== PyTorch"
"$PYTHON" bench/train_bench_torch.py --data "$DATA" ${COMMON[@]+"${COMMON[@]}"} | tee -a "$out"

# The summary table: images/s per side, ratio and goal per workload.
echo
awk '
  function val(line, key,   i, n, kv) {
    n = split(line, kv, " ")
    for (i = 1; i <= n; i++) if (index(kv[i], key "=") == 1) return substr(kv[i], length(key) + 2)
    return ""
  }
  $1 == "asicnn" && $2 != "config" { a[$2] = val($0, "images_per_s"); order[++k] = $2 }
  $1 == "torch" && $2 != "config" { t[$2] = val($0, "images_per_s") }
  END {
    goal["train"] = 1.5; goal["infer_b256"] = 1.0
    printf "%-12s %14s %14s %8s  %s\n", "workload", "asicnn img/s", "PyTorch img/s", "ratio", "goal"
    for (i = 1; i <= k; i++) {
      w = order[i]
      r = (t[w] > 0) ? a[w] / t[w] : 0
      g = (w in goal) ? sprintf(">= %.1fx %s", goal[w], r >= goal[w] ? "met" : "MISSED") : "-"
      printf "%-12s %14.1f %14.1f %7.2fx  %s\n", w, a[w], t[w], r, g
    }
  }' "$out"
