#!/usr/bin/env bash
# docs/cli.md is the reference: every command of `asicnn --help` has a
# section there, and every option any `asicnn COMMAND --help` names appears
# in it. Usage: tests/cli_docs.sh path/to/asicnn
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

DOC=docs/cli.md
cmds=$("$A" --help | sed -nE 's/^  ([a-z]+) +.*/\1/p')
[ -n "$cmds" ] || fail "no commands in asicnn --help"
n=0
for c in $cmds; do
  grep -qF "asicnn $c" "$DOC" || fail "docs/cli.md has no section for '$c'"
  help=$("$A" "$c" --help 2>&1 || true)
  [ "$c" = data ] && help=$(for s in info show convert; do "$A" data "$s" --help; done)
  for opt in $(grep -oE -- '(^|[][ ,|(])--[a-z][a-z0-9-]*' <<<"$help" | grep -oE -- '--[a-z0-9-]+' | sort -u); do
    grep -qF -- "$opt" "$DOC" || fail "'asicnn $c --help' names $opt, docs/cli.md does not"
    n=$((n + 1))
  done
done
# README's links to the docs exist
for f in $(grep -oE 'docs/[a-z-]+\.md' README.md | sort -u); do
  [ -f "$f" ] || fail "README.md links $f, which does not exist"
done
echo "cli_docs: ok ($(wc -w <<<"$cmds") commands, $n options documented)"
