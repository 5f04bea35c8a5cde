# Shared by the CLI test scripts (tests/cli_*.sh), sourced after `A=$1`:
#   $T          a scratch directory, removed on exit
#   fail MSG    print FAIL: MSG and exit 1
#   expect CODE PATTERN CMD...   CMD exits with CODE and its output (stdout
#               and stderr together) matches the extended regex PATTERN;
#               the output is left in $out
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {
  local code=$1 pat=$2; shift 2
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  [ "$rc" = "$code" ] || fail "'$*' exited $rc, wanted $code: $out"
  grep -qE -- "$pat" <<<"$out" || fail "'$*' output lacks /$pat/: $out"
}
