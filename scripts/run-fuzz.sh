#!/usr/bin/env bash
# Run every libFuzzer harness built in BUILD/fuzz for SECONDS each and print
# its execution count. Seeds come from fuzz/corpus/NAME (never written to);
# new inputs go to BUILD/fuzz/work/NAME, crashes to BUILD/fuzz/artifacts/NAME.
# Exits 1 when any harness found a crash.
# Usage: scripts/run-fuzz.sh BUILD_DIR SECONDS [NAME...]
set -euo pipefail
BUILD=${1:?usage: run-fuzz.sh BUILD_DIR SECONDS [NAME...]}
EACH=${2:?usage: run-fuzz.sh BUILD_DIR SECONDS [NAME...]}
shift 2
cd "$(dirname "$0")/.."

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for h in "$BUILD"/fuzz/fuzz_*; do
    [ -x "$h" ] && names+=("${h##*/fuzz_}")
  done
fi
[ ${#names[@]} -gt 0 ] || { echo "run-fuzz: no harness in $BUILD/fuzz (build with make fuzz)" >&2; exit 1; }

failed=0
for name in "${names[@]}"; do
  harness="$BUILD/fuzz/fuzz_$name"
  work="$BUILD/fuzz/work/$name"
  artifacts="$BUILD/fuzz/artifacts/$name"
  log="$BUILD/fuzz/$name.log"
  mkdir -p "$work" "$artifacts"
  rc=0
  "$harness" -max_total_time="$EACH" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "fuzz/corpus/$name" \
    >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "$artifacts" -type f | wc -l)
  printf '%-10s %12s execs in %ss, corpus %s inputs, %s crash(es)%s\n' "$name" "${execs:-?}" \
    "$EACH" "$(find "$work" -type f | wc -l)" "$crashes" "$([ $rc -ne 0 ] && echo ", exit $rc, see $log")"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then failed=1; fi
done
exit $failed
