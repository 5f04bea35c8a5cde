#!/usr/bin/env bash
# docs/cli.md is the reference: every command of `asicnn --help` has a
# section there, and every option any `asicnn COMMAND --help` names appears
# in it, and its section "### `asicnn COMMAND`" holds that --help verbatim.
# Usage: tests/cli_docs.sh path/to/asicnn [--write]
# (--write puts every command's --help into its section instead of checking).
set -euo pipefail
A=$1
. "$(dirname "$0")/testlib.sh"

# The first ``` block after the heading "### `asicnn CMD`" of file $2.
help_block() {
  awk -v h="### \`asicnn $1\`" '$0 == h { f = 1; next }
    f && /^```/ { if (b) exit; b = 1; next } f && b { print }' "$2"
}

DOC=docs/cli.md
cmds=$("$A" --help | sed -nE 's/^  ([a-z]+) +.*/\1/p')
[ -n "$cmds" ] || fail "no commands in asicnn --help"
n=0
for c in $cmds; do
  grep -qF "asicnn $c" "$DOC" || fail "docs/cli.md has no section for '$c'"
  help=$("$A" "$c" --help 2>&1 || true)
  if [ "$c" != data ]; then
    if [ "${2:-}" = --write ]; then
      python3 - "$DOC" "$c" "$help" <<'PY'
import sys
path, cmd, text = sys.argv[1:]
lines = open(path).read().split("\n")
i = lines.index("### `asicnn %s`" % cmd)
a = lines.index("```", i + 1)
b = lines.index("```", a + 1)
lines[a + 1:b] = text.split("\n")
open(path, "w").write("\n".join(lines))
PY
    fi
    [ "$(help_block "$c" "$DOC")" = "$help" ] ||
      fail "docs/cli.md's section of '$c' is not its --help (tests/cli_docs.sh ASICNN --write updates it)"
  fi
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
