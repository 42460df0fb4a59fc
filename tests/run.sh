#!/usr/bin/env bash
# The test runner: unit tests (C), command-line cases, shell tests.
# Prints one line per test (with the "skipped: ..." lines a passing test
# printed, so what it left out shows) and "N passed, N failed" last; exits 1
# on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
export BUILD TOP=$top DATA=$top/tests/data SAMPLES=$top/samples PATH=$BUILD/bin:$PATH
only=${1:-}
pass=0 fail=0 failed=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

report() { # name status detail-file
    if [ "$2" = 0 ]; then
        pass=$((pass + 1)); echo "ok   $1"
        # what a passing test left out, and why (a line "skipped: ..." of its output)
        [ -s "$3" ] && grep -m 3 '^skipped:' "$3" | sed 's/^/     | /'
    else
        fail=$((fail + 1)); failed+=("$1"); echo "FAIL $1"
        [ -s "$3" ] && sed 's/^/     | /' "$3" | tail -25
    fi
}

# unit tests: each binary's exit status is its verdict
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    name=unit/$(basename "$t")
    [ -n "$only" ] && [[ $name != *$only* ]] && continue
    d=$work/u; mkdir -p "$d"
    (cd "$d" && "$t") >"$work/out" 2>&1
    report "$name" $? "$work/out"
    rm -rf "$d"
done

# command-line cases: "# exit: N" and "# stderr: ERE" in the case file
for c in "$top"/tests/cli/*/*.sh; do
    [ -e "$c" ] || continue
    name=cli/${c#"$top"/tests/cli/}; name=${name%.sh}
    [ -n "$only" ] && [[ $name != *$only* ]] && continue
    want=$(sed -n 's/^# exit: *//p' "$c" | head -1)
    pat=$(sed -n 's/^# stderr: *//p' "$c" | head -1)
    d=$work/c; mkdir -p "$d"
    (cd "$d" && bash "$c") >"$work/stdout" 2>"$work/stderr" </dev/null
    got=$?
    st=0
    {
        if [ "$got" != "${want:-0}" ]; then echo "exit $got, expected ${want:-0}"; st=1; fi
        if [ -n "$pat" ] && ! grep -Eq -- "$pat" "$work/stderr"; then echo "stderr does not match: $pat"; st=1; fi
        if [ -z "$pat" ] && [ "${want:-0}" = 0 ] && [ -s "$work/stderr" ] && grep -q '^# stderr-empty' "$c"; then
            echo "stderr not empty"; st=1; fi
        if [ $st != 0 ]; then echo "--- stderr:"; cat "$work/stderr"; fi
    } >"$work/why"
    # a failing run must leave no partial output behind
    if [ "${want:-0}" != 0 ] && ls "$d" | grep -q '\.tmp\.'; then echo "temporary file left behind" >>"$work/why"; st=1; fi
    report "$name" $st "$work/why"
    rm -rf "$d"
done

# shell tests: exit status is the verdict
for s in "$top"/tests/sh/*.sh; do
    [ -e "$s" ] || continue
    name=sh/$(basename "$s" .sh)
    [ -n "$only" ] && [[ $name != *$only* ]] && continue
    d=$work/s; mkdir -p "$d"
    (cd "$d" && bash "$s") >"$work/out" 2>&1
    report "$name" $? "$work/out"
    rm -rf "$d"
done

if [ $fail -gt 0 ]; then
    echo
    echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
