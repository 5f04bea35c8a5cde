#!/usr/bin/env bash
# asicnn sweep end to end: a grid of 5 array sizes x 2 bandwidths on the
# seed CNN, its CSV and Pareto chart, argument and grid errors, and under mpirun
# (when present, and asicnn was built with MPI) the same CSV from 2 and 3 ranks.
# Usage: tests/cli_sweep.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

expect 0 'usage: asicnn sweep' "$A" sweep --help
expect 1 'needs model.q8' "$A" sweep
expect 1 "--rows takes up to 16 sizes in \[1, 1024\], not '4,x'" "$A" sweep x.q8 --rows 4,x
[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_sweep: no data, skipped"; exit 0; }
"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 1 --limit 300 >/dev/null
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 100 >/dev/null
expect 0 'wrote .*/s.csv' "$A" sweep "$T/d.q8" --rows 4,8,16,32,64 --bw 4,16 --batch 4 \
  --synth "$T" -o "$T/s.csv"
head -1 "$T/s.csv" | grep -q '^name,rows,cols,act_kib' || fail "csv header"
[ "$(wc -l <"$T/s.csv")" = 11 ] || fail "want 10 rows: $(cat "$T/s.csv")"
grep -q '^64x64-a64-bw16,64,64,' "$T/s.csv" || fail "64x64 row"
[ "$(grep -c ',1,"' "$T/s.csv")" -ge 1 ] || fail "no Pareto point"
if command -v gnuplot >/dev/null; then
  grep -q '<svg' "$T/s.svg" || fail "no Pareto chart"
  grep -q 'Pareto front' "$T/s.svg" || fail "chart lacks the front"
  grep -q ' dy="' "$T/s.svg" && fail "sub- or superscripts (gnuplot enhanced text) in the chart"
fi
# a size the chip cannot have fails before the sweep, naming its option
expect 2 '^asicnn: --rows 3: field rows = 3 must be a power of two' \
  "$A" sweep "$T/d.q8" --rows 3 --synth "$T" -o "$T/bad.csv"
expect 2 '^asicnn: --cols 6: field cols = 6' \
  "$A" sweep "$T/d.q8" --rows 4 --cols 6 --synth "$T" -o "$T/bad.csv"
[ -e "$T/bad.csv" ] && fail "a refused grid wrote its CSV"
# a gnuplot that fails: its exit status as the program returned it
mkdir -p "$T/bin"
printf '#!/bin/sh\ncat >/dev/null\nexit 1\n' >"$T/bin/gnuplot"
chmod +x "$T/bin/gnuplot"
expect 2 'gnuplot failed on a chart script \(exit 1\)' \
  env PATH="$T/bin:$PATH" "$A" sweep "$T/d.q8" --rows 4 --synth "$T" -o "$T/g.csv"
# more bandwidth never makes a config slower
awk -F, 'NR>1 {k=$2"x"$3; if ($7==4) a[k]=$10; else b[k]=$10}
  END {for (k in a) if (b[k] > a[k] + 1e-9) {print k; exit 1}}' "$T/s.csv" || fail "bw monotonic"
syms=$(nm "$A" 2>/dev/null || true)
if command -v mpirun >/dev/null && grep -q MPI_Gatherv <<<"$syms"; then
  root=(); [ "$(id -u)" = 0 ] && root=(--allow-run-as-root)
  # OpenMPI's runtime keeps allocations for the process's life (in plugins it
  # unloads, so no suppression can name them): no leak check on the ranks
  # under ASan; the single-process sweep above stays leak-checked.
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
  for n in 2 3; do
    mpirun "${root[@]}" -x ASAN_OPTIONS --oversubscribe -n $n "$A" sweep "$T/d.q8" --rows 4,8,16,32,64 \
      --bw 4,16 --batch 4 --synth "$T" -o "$T/m$n.csv" >"$T/m$n.log" 2>&1 ||
      fail "mpirun -n $n: $(cat "$T/m$n.log")"
    grep -q "on $n ranks" "$T/m$n.log" || fail "not split over $n ranks: $(cat "$T/m$n.log")"
    cmp "$T/s.csv" "$T/m$n.csv" || fail "mpirun -n $n CSV differs"
  done
else
  echo "cli_sweep: no mpirun or no MPI build, MPI part skipped"
fi
echo "cli_sweep: ok"
