#!/usr/bin/env bash
# Crash safety: asicnn is killed with SIGKILL at varied moments while it
# writes a checkpoint (train), a .q8 (quantize), an .npu (compile), an HTML
# report and a sweep CSV over files that already exist. After every kill the
# previous file is intact (or, when the command finished first, the new one
# is whole). A SIGKILL runs no cleanup: a process killed in the moment its
# temporary has a name (between the link and the rename of an atomic write,
# src/core/afile.c) leaves that temporary. What is promised, and checked:
# every temporary left is the killed process's own ("<file>.tmp.PID.N" with
# its PID), and the next complete write of the same file removes it, so
# that none is left at the end.
# Usage: tests/cli_kill.sh path/to/asicnn
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

CSV=/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv
[ -f "$CSV" ] || CSV=tests/fixtures/data/iris_small.csv
O=$T/out
mkdir -p "$O"

# a complete write of every file
write_all() {
  "$A" train models/seed_mlp.model "$CSV" -o "$O/m.ckpt" --epochs 2 --label-col -1 --quiet \
    --threads 1 >/dev/null
  "$A" quantize "$O/m.ckpt" "$CSV" -o "$O/m.q8" --no-eval >/dev/null
  "$A" compile "$O/m.q8" --chip npu16 -o "$O/m.npu" >/dev/null
  "$A" sweep "$O/m.q8" --rows 4,8 -o "$O/s.csv" --svg "$O/s.svg" >/dev/null 2>&1
  "$A" report --q8 "$O/m.q8" "$CSV" -o "$O/r" >/dev/null 2>&1
}

# the files as they are before the kills
write_all
[ -f "$O/r/index.html" ] || fail "no report to start from"

# whole: the file loads (or reads to its end) as a valid one of its kind
whole() {
  case $1 in
    *.ckpt | *.q8) "$A" summary "$1" >/dev/null 2>&1 ;;
    *.npu) "$A" disasm "$1" >/dev/null 2>&1 ;;
    *.csv) [ "$(head -c 5 "$1")" = "name," ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] ;;
    *.html) grep -q '</html>' "$1" ;;
  esac
}

# kill_during FILE DELAY CMD...: start CMD, SIGKILL it after DELAY seconds,
# then check FILE and the folder
kill_during() {
  local file=$1 delay=$2; shift 2
  local before
  before=$(md5sum <"$file")
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -f "$file" ] || fail "$file is gone after a kill at ${delay}s of: $*"
  if [ "$(md5sum <"$file")" != "$before" ]; then
    whole "$file" || fail "$file is broken after a kill at ${delay}s of: $*"
  fi
  # every temporary in the folder: one a process this test killed left
  killed="$killed $pid "
  local tmp
  while read -r tmp; do
    [[ $tmp =~ \.tmp\.([0-9]+)\.[0-9]+$ ]] && [[ $killed == *" ${BASH_REMATCH[1]} "* ]] ||
      fail "$tmp after a kill at ${delay}s of: $*: no killed process's temporary"
    [ "${BASH_REMATCH[1]}" != "$pid" ] || left=$((left + 1))
  done < <(find "$(dirname "$file")" -name '*.tmp*')
  kills=$((kills + 1))
}

kills=0 left=0 killed=" "
for d in 0.05 0.15 0.3 0.5 0.8 1.2; do
  kill_during "$O/m.ckpt" "$d" "$A" train models/seed_mlp.model "$CSV" -o "$O/m.ckpt" \
    --epochs 400 --label-col -1 --quiet --threads 1
  kill_during "$O/m.q8" "$d" "$A" quantize "$O/m.ckpt" "$CSV" -o "$O/m.q8" --calib entropy
  kill_during "$O/m.npu" "$d" "$A" compile "$O/m.q8" --chip npu16 -o "$O/m.npu"
  kill_during "$O/s.csv" "$d" "$A" sweep "$O/m.q8" --rows 4,8,16 -o "$O/s.csv" --svg "$O/s.svg"
  kill_during "$O/r/index.html" "$d" "$A" report --q8 "$O/m.q8" "$CSV" -o "$O/r"
done
for f in m.ckpt m.q8 m.npu s.csv r/index.html; do whole "$O/$f" || fail "$f broken at the end"; done
# the next complete write of each file removes what killed processes left
write_all
stale=$(find "$O" -name '*.tmp*' | head -3)
[ -z "$stale" ] || fail "temporaries of killed processes left after the next writes: $stale"
echo "cli_kill: ok ($kills kills, every file whole; $left temporaries of killed processes, all" \
  "removed by the next writes)"
