#!/usr/bin/env bash
# tests/run.sh itself, on a planted tree of tests (TESTS=): a case whose
# middle command fails, a failing pipe, a failing command substitution, an
# expected failure with the wrong status, a bare "! cmd", a stderr pattern
# that does not match, a temporary file left behind and an old "# exit:"
# header all fail; a test that hangs fails with its name within its limit; a
# unit test without its binary fails and a binary without its source does not
# run; skips are counted, exit 77 is a skip, and with CI set a skip fails
# unless its reason is the missing GPU.
set -euo pipefail
t=$PWD/tree b=$PWD/build
mkdir -p "$t/unit" "$t/cli/x" "$t/sh" "$b/tests" "$b/bin"
mkcase() { printf '%s\n' "$2" > "$t/cli/x/$1.sh"; }
script() { printf '#!/bin/sh\n%s\n' "$2" > "$1"; chmod +x "$1"; }

: > "$t/unit/test_pass.c"; script "$b/tests/test_pass" 'echo fine; exit 0'
: > "$t/unit/test_fail.c"; script "$b/tests/test_fail" 'echo broken; exit 1'
: > "$t/unit/test_unbuilt.c"
script "$b/tests/test_stale" 'echo "stale binary ran"; exit 1'
lib='. "$TOP/tests/cli/lib.sh"'
mkcase ok "$lib
true"
mkcase middle "false
true"
mkcase pipe "false | cat
true"
mkcase subst 'x=$(false; echo y)
true'
mkcase expected "$lib
expect 3 sh -c 'exit 3'"
mkcase expected-wrong "$lib
expect 2 sh -c 'exit 1'
true"
mkcase negated '! true
true'
mkcase stderr '# stderr: ^wanted$
echo other >&2'
mkcase tmp-left 'touch out.tmp.123'
mkcase exit-header '# exit: 1
false'
printf '# timeout: 2\nsleep 60\n' > "$t/sh/hang.sh"
printf 'echo "skipped: no GPU: planted"\n' > "$t/sh/skip-gpu.sh"
printf 'echo "skipped: some other reason"\n' > "$t/sh/skip-other.sh"
printf 'echo "skipped: no GPU: nothing to run"\nexit 77\n' > "$t/sh/skip-all.sh"
printf 'exit 77\n' > "$t/sh/skip-silent.sh"

planted() { # OUT [ENV...]: the runner on the planted tree
    local out=$1 rc=0
    shift
    env -u CI -u TEST_TIME_SCALE "$@" TESTS="$t" BUILD="$b" bash "$TOP/tests/run.sh" > "$out" 2>&1 || rc=$?
    cat "$out"
    [ $rc = 1 ]   # something failed, so the runner exits 1
}
t0=$(date +%s)
planted out.txt
[ $(($(date +%s) - t0)) -lt 30 ]   # the hanging test was stopped at its limit
verdict() { grep -Eq "^$1 +$2 \(" out.txt || { echo "expected: $1 $2"; return 1; }; }
verdict ok unit/test_pass
verdict FAIL unit/test_fail
verdict FAIL unit/test_unbuilt
if grep -q 'stale binary ran' out.txt; then exit 1; fi
verdict ok cli/x/ok
verdict ok cli/x/expected
for c in middle pipe subst expected-wrong negated stderr tmp-left exit-header; do verdict FAIL cli/x/$c; done
verdict FAIL sh/hang
grep -q 'timed out after 2 s: sh/hang' out.txt
verdict ok sh/skip-gpu
verdict ok sh/skip-other
verdict skip sh/skip-all
verdict FAIL sh/skip-silent
[ "$(tail -1 out.txt)" = "5 passed, 12 failed, 3 skipped" ]

# on CI, only the missing GPU may be skipped
planted ci.txt CI=true
grep -Eq '^ok +sh/skip-gpu \(' ci.txt
grep -Eq '^FAIL +sh/skip-other \(' ci.txt
grep -Eq '^skip +sh/skip-all \(' ci.txt
[ "$(tail -1 ci.txt)" = "4 passed, 13 failed, 3 skipped" ]
