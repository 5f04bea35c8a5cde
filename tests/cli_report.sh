#!/usr/bin/env bash
# asicnn report end to end: the page has the comparison table with every
# row labelled and all 7 charts as inline SVG (when gnuplot is installed);
# when chromium is installed, it loads headless without console errors and
# its screenshot is not empty (chromium comes with bootstrap; skipped without it).
# Usage: tests/cli_report.sh path/to/asicnn   (run from the repository root)
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"
"$A" report --help | grep -q 'usage: asicnn report' || fail "help"
set +e; out=$("$A" report 2>&1); rc=$?; set -e
[ "$rc" = 1 ] && grep -q 'needs --q8' <<<"$out" || fail "usage error: $out"
[ -f data/digits/train-images-idx3-ubyte.gz ] || { echo "cli_report: no data, skipped"; exit 0; }
command -v gnuplot >/dev/null || { echo "cli_report: no gnuplot, skipped"; exit 0; }
"$A" train models/seed_cnn.model data/digits -o "$T/d.ckpt" --epochs 2 --limit 300 --quiet >/dev/null
[ "$(wc -l <"$T/d.ckpt.log.csv")" = 3 ] || fail "training log: $(cat "$T/d.ckpt.log.csv")"
"$A" quantize "$T/d.ckpt" data/digits -o "$T/d.q8" --calib-images 100 >/dev/null
out=$("$A" report --q8 "$T/d.q8" --ckpt "$T/d.ckpt" data/digits --batch 8 --synth "$T" -o "$T/r")
grep -q '7 of 7 charts' <<<"$out" || fail "charts: $out"
H=$T/r/index.html
[ "$(grep -c '<section class="chart">' "$H")" = 7 ] || fail "sections"
[ "$(grep -c '<svg' "$H")" = 7 ] || fail "inline svgs"
# names as written: no enhanced text (conv2d_1 drawn as conv2d with a subscript 1)
grep -q '>conv2d_1<' "$H" || fail "layer name conv2d_1 not printed as written"
grep -q ' dy="' "$H" && fail "sub- or superscripts (gnuplot enhanced text) in a chart"
# the confusion matrix as cells, not a bitmap the browser scales (blurred)
grep -q '<image' "$H" && fail "a bitmap image in a chart"
# 5 rows, 7 with ONNX Runtime's int8 and float rows (when it is installed)
n=$(grep -cE ',(measured|modelled),' "$T/r/compare.csv")
[ "$n" = 5 ] || [ "$n" = 7 ] || fail "compare rows: $n"
[ "$(grep -cE '<td class="[me]">(measured|modelled)</td>' "$H")" = "$n" ] || fail "row labels"
grep -q 'src=\|href="http' "$H" && fail "external reference in the page"
[ -s "$T/r/compare.csv" ] && [ -s "$T/r/sweep.csv" ] || fail "csv files"
C=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$C" ]; then echo "cli_report: no chromium, browser check skipped"; echo "cli_report: ok"; exit 0; fi
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$T/prof")
timeout 120 "$C" "${flags[@]}" --dump-dom "file://$H" >"$T/dom.html" 2>"$T/err.log" || fail "chromium"
[ "$(grep -c '<svg' "$T/dom.html")" -ge 7 ] || fail "DOM lacks the charts"
timeout 120 "$C" "${flags[@]}" --enable-logging=stderr --v=0 --screenshot="$T/shot.png" \
  --window-size=1100,3000 "file://$H" 2>"$T/log.txt" || fail "screenshot"
grep -q 'CONSOLE.*[Ee]rror' "$T/log.txt" && fail "console error: $(grep CONSOLE "$T/log.txt")"
[ -s "$T/shot.png" ] || fail "empty screenshot"
echo "cli_report: ok (page loaded in headless chromium, screenshot $(stat -c %s "$T/shot.png") bytes)"
