#!/usr/bin/env bash
# The bootstrap's package sets: `make bench` installs its PyTorch peer
# (python3-torch) before the benchmark runs, the way `make test` installs its
# packages, and `make test` never asks for PyTorch. Installs nothing:
# dpkg-query is stubbed to report every package missing, the bootstrap runs
# with --dry-run, and apt-get, sudo and npm are stubs should it not.
# Usage: tests/bootstrap_sets.sh   (run from the repository root)
set -euo pipefail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$T/bin"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/dpkg-query"
printf '#!/bin/sh\necho "$0 $*" >>"%s/called"\nexit 0\n' "$T" >"$T/bin/apt-get"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/sudo"
printf '#!/bin/sh\nexit 0\n' >"$T/bin/npm"
chmod +x "$T"/bin/*
run() { PATH="$T/bin:$PATH" scripts/bootstrap.sh "$@" 2>&1; }

base=$(run --dry-run) || fail "bootstrap.sh --dry-run: $base"
bench=$(run --bench --dry-run) || fail "bootstrap.sh --bench --dry-run: $bench"
[ ! -e "$T/called" ] || fail "--dry-run ran apt-get: $(cat "$T/called")"
grep -q '^asicnn: missing Debian packages: .*\bcmake\b' <<<"$base" || fail "base set: $base"
grep -q 'python3-torch' <<<"$base" && fail "the base set (make test) asks for PyTorch: $base"
grep -q '^asicnn: missing Debian packages: .*\bcmake\b.* python3-torch\b' <<<"$bench" ||
  fail "--bench lacks python3-torch: $bench"
expect_usage=$(run --nonsense) && fail "an unknown argument was accepted"
grep -q "unknown argument '--nonsense'" <<<"$expect_usage" || fail "usage: $expect_usage"

# make bench bootstraps the bench set after make data and before the benchmark;
# make test (and the targets it depends on) never does
command -v make >/dev/null || { echo "bootstrap_sets: no make, Makefile part skipped"; exit 0; }
plan=$(make -n bench BUILD="$T/build")
grep -n 'bootstrap.sh --bench' <<<"$plan" >/dev/null || fail "make bench does not bootstrap --bench"
awk '/bootstrap.sh --bench/ { b = NR } /train_bench.sh/ { t = NR }
     /prepare-data.sh/ { d = NR } END { exit !(d && b > d && t > b) }' <<<"$plan" ||
  fail "make bench's order (data, bootstrap --bench, benchmark): $plan"
plan=$(make -n test BUILD="$T/build")
grep -q -- '--bench' <<<"$plan" && fail "make test runs the bench bootstrap: $plan"
echo "bootstrap_sets: ok"
