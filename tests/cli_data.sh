#!/usr/bin/env bash
# End-to-end test of `asicnn data`: help and usage errors (exit 1), bad
# input (exit 2, one line naming the file, and the line for CSV), info,
# show and convert on the fixtures, round trips, no file left behind by a
# failed convert, and, when `make data` has run, the real data sets.
# Usage: tests/cli_data.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
ASICNN=${1:?usage: cli_data.sh path/to/asicnn}
FX=tests/fixtures/data
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect CODE CMD...: run CMD, check its exit code; stdout in $T/out, stderr in $T/err.
expect() {
  local want=$1 rc=0
  shift
  "$@" >"$T/out" 2>"$T/err" || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$T/out" "$T/err" >&2; fail "exit $rc, expected $want: $*"; }
}
# has FILE PATTERN: grep -E for PATTERN in $T/FILE.
has() { grep -Eq -- "$2" "$T/$1" || { cat "$T/$1" >&2; fail "$1 lacks /$2/"; }; }
# one_line: stderr is exactly one line.
one_line() { [ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "stderr is not one line"; }; }

# --- help and usage errors ---
expect 0 "$ASICNN" data --help
has out 'info' && has out 'convert' && has out 'show'
for sub in info convert show; do
  expect 0 "$ASICNN" data "$sub" --help
  has out "usage: asicnn data $sub"
done
expect 1 "$ASICNN" data
expect 1 "$ASICNN" data frobnicate
has err "unknown subcommand 'frobnicate'"
expect 1 "$ASICNN" data info
expect 1 "$ASICNN" data convert only-one-arg
expect 1 "$ASICNN" data info $FX/iris_small.csv --header maybe
has err -- "--header 'maybe': takes yes, no or auto"
expect 1 "$ASICNN" data info $FX/iris_small.csv --bogus 3
has err "unknown option '--bogus'"
expect 1 "$ASICNN" data show $FX/iris_small.csv minus-one
expect 1 "$ASICNN" data convert $FX/iris_small.csv "$T/out.unknown"
has err "cannot tell what to write"
expect 1 "$ASICNN" data convert $FX/iris_small.csv "$T/x.csv" --split 3
has err -- "--split needs a directory"

# --- CSV: info, cleaning, strict ---
expect 0 "$ASICNN" data info $FX/iris_small.csv --label-col -1
has out '12 samples of 4 features, 3 classes'
has out 'per class: 0:4 1:4 2:4'
has out 'rows: 12 read, 12 kept$'
expect 0 "$ASICNN" data info $FX/bad_rows.csv --range 0:255 --max-label 9
has out '2 samples of 2 features'
has out '7 read, 2 kept; dropped 1 wrong column count \(first at line 3\), 1 non-numeric field \(first at line 4\), 1 NaN or infinity \(first at line 5\), 1 value out of range \(first at line 6\), 1 bad label \(first at line 7\)'
expect 2 "$ASICNN" data convert $FX/bad_rows.csv "$T/strict.csv" --strict
has err "^asicnn: $FX/bad_rows.csv:3: wrong number of columns: 2, expected 3$"
one_line
[ ! -e "$T/strict.csv" ] || fail "a failed convert wrote its output"
expect 1 "$ASICNN" data info $FX/iris_small.csv --label-col 7
has err 'label column 7 does not exist'

# --- bad IDX and JSON: one line naming the file, exit 2 ---
expect 2 "$ASICNN" data info $FX/truncated-images-idx3-ubyte
has err "^asicnn: $FX/truncated-images-idx3-ubyte: truncated: header says 60000x28x28 u8 \(47040016 bytes\) but file has 116 bytes$"
one_line
expect 2 "$ASICNN" data info $FX/badmagic-images-idx3-ubyte
has err "$FX/badmagic-images-idx3-ubyte: not an IDX file"
one_line
expect 2 "$ASICNN" data show $FX/corrupt-images-idx3-ubyte.gz 0
has err "$FX/corrupt-images-idx3-ubyte.gz: corrupt gzip data"
one_line
expect 2 "$ASICNN" data convert $FX/npm_bad "$T/bad/"
has err "$FX/npm_bad: directory holds neither IDX pairs"
expect 2 "$ASICNN" data info $FX/npm_bad/5.json
has err "$FX/npm_bad/5.json: data\[100\] is 1.5, not a number in \[0, 1\]"
one_line
expect 2 "$ASICNN" data info "$T/does-not-exist"
has err 'does-not-exist'

# --- npm digits -> IDX directory, split and shuffled; info and show ---
expect 0 "$ASICNN" data convert $FX/npm "$T/digits" --split 8 --seed 1
[ -d "$T/digits" ] || fail "convert did not create the output directory"
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz \
  t10k-labels-idx1-ubyte.gz; do
  [ -s "$T/digits/$f" ] || fail "missing $f"
done
expect 0 "$ASICNN" data info "$T/digits"
has out 'train: 8 images of 28x28x1, [0-9]+ classes'
has out 'test: 2 images of 28x28x1'
expect 0 "$ASICNN" data show "$T/digits" 0 --test
has out '#0: label [0-9] \(28x28x1\)'
[ "$(wc -l <"$T/out")" -eq 29 ] || fail "show printed $(wc -l <"$T/out") lines, expected 1 + 28"
has out '@@'
expect 2 "$ASICNN" data show "$T/digits" 8
has err 'index 8 out of range'
# the same seed gives the same files
expect 0 "$ASICNN" data convert $FX/npm "$T/digits2/" --split 8 --seed 1
cmp -s "$T/digits/t10k-labels-idx1-ubyte.gz" "$T/digits2/t10k-labels-idx1-ubyte.gz" ||
  fail "same seed, different split"

# --- round trip IDX -> CSV -> IDX keeps every byte ---
expect 0 "$ASICNN" data convert "$T/digits" "$T/train.csv.gz"
expect 0 "$ASICNN" data convert "$T/train.csv.gz" "$T/rt-images-idx3-ubyte.gz"
has out 'rt-labels-idx1-ubyte.gz'
cmp -s <(zcat "$T/digits/train-images-idx3-ubyte.gz") <(zcat "$T/rt-images-idx3-ubyte.gz") ||
  fail "IDX -> CSV -> IDX changed the images"
cmp -s <(zcat "$T/digits/train-labels-idx1-ubyte.gz") <(zcat "$T/rt-labels-idx1-ubyte.gz") ||
  fail "IDX -> CSV -> IDX changed the labels"
expect 0 "$ASICNN" data convert $FX/iris_small.csv "$T/iris-std.csv" --label-col -1 --normalize std
expect 0 "$ASICNN" data info "$T/iris-std.csv"
has out 'mean -?0(\.0+)?(e-[0-9]+)?$|mean -?[0-9.]+e-0[6-9]'

# --- a failed write leaves nothing behind ---
mkdir "$T/taken.csv"
expect 2 "$ASICNN" data convert $FX/iris_small.csv "$T/taken.csv" --label-col -1
has err 'taken.csv'
leftover=$(find "$T" -name '*.tmp.*')
[ -z "$leftover" ] || fail "temporary files left: $leftover"

# --- the real data sets, when `make data` has made them ---
if [ -e data/digits/train-images-idx3-ubyte.gz ]; then
  expect 0 "$ASICNN" data info data/digits
  has out 'train: 8000 images of 28x28x1, 10 classes'
  has out 'test: 2000 images of 28x28x1, 10 classes'
else
  echo "skip: no data/digits (run make data)"
fi
if [ -e data/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  expect 0 "$ASICNN" data info data/fashion-mnist
  has out 'train: 60000 images of 28x28x1, 10 classes'
  has out 'test: 10000 images of 28x28x1, 10 classes'
  has out 'per class: 0:6000 1:6000'
else
  echo "skip: no data/fashion-mnist (run make data)"
fi
echo "cli_data: ok"
