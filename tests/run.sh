#!/usr/bin/env bash
# The test runner: unit tests (C), command-line cases, shell tests.
#   tests/run.sh [PATTERN]     only the tests whose names contain PATTERN
# Every command in a case or a shell test is a check: they run under errexit,
# pipefail and inherit_errexit, so any command that fails fails the test (a
# case expects a failure command by command: "expect N CMD" of tests/cli/lib.sh).
# Only tests whose sources exist run (a unit binary without its .c is stale),
# each under a time limit ("# timeout: S" in a script; TEST_TIME_SCALE
# multiplies them all, as make test SAN=1 does); a test that runs over fails
# with its name.
# A test that leaves something out prints "skipped: REASON" at the start of a
# line; it still passes or fails on what it ran, and each such line counts as
# one skip; exit status 77 says it ran nothing (counted as skipped, not
# passed). With CI set (not empty, 0 or false), a skip fails its test unless
# REASON starts with "no GPU": that is the one absence CI may have.
# Prints one line per test with its time, then "N passed, N failed, N skipped"
# last; exits 1 on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
TESTS=${TESTS:-$top/tests}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
export BUILD TOP=$top DATA=$top/tests/data SAMPLES=$top/samples PATH=$BUILD/bin:$PATH
only=${1:-}
scale=${TEST_TIME_SCALE:-1}
strict=0
case ${CI:-} in '' | 0 | false) ;; *) strict=1 ;; esac
pass=0 fail=0 skip=0 failed=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# a script runs as "$0" under these, and a failing command names itself
BASH_CHECKS=(bash -o errexit -o pipefail -O inherit_errexit -o errtrace -c
    'trap '\''echo "${BASH_SOURCE[0]##*/}:$LINENO: failed (status $?): $BASH_COMMAND" >&2'\'' ERR; . "$0"')

# unchecked FILE: the lines of a script that errexit cannot check: a bare
# "! cmd" (its status never stops a script) or checks turned off
unchecked() {
    grep -nE '^[[:space:]]*! |^[[:space:]]*set [+]e|set [+]o (errexit|pipefail)|shopt -u inherit_errexit' "$1" |
        sed 's/^/unchecked line /' || true
}

# limit FILE DEFAULT: the script's "# timeout: S" or DEFAULT, times the scale
limit() {
    local s
    s=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null | head -1)
    awk -v s="${s:-$2}" -v k="$scale" 'BEGIN { printf "%d\n", s * k + 0.5 }'
}

# run NAME LIMIT DIR OUT ERR CMD...: CMD in DIR, stdout to OUT and stderr to
# ERR (the same file: both, in order), within LIMIT seconds; sets rc and secs
run() {
    local name=$1 lim=$2 dir=$3 out=$4 err=$5 t0
    shift 5
    mkdir -p "$dir"
    : > "$err"
    t0=$(date +%s)
    # timeout signals the whole process group on expiry, the test's children too
    (cd "$dir" && exec timeout -k 10 "$lim" "$@") >> "$out" 2>> "$err" < /dev/null
    rc=$?
    secs=$(($(date +%s) - t0))
    if { [ $rc = 124 ] || [ $rc = 137 ]; } && [ $secs -ge "$lim" ]; then
        echo "timed out after $lim s: $name" >> "$err"
        rc=124
    fi
}

# report NAME STATUS SECONDS OUTPUT... : the verdict, with what the test left out
report() {
    local name=$1 st=$2 secs=$3 skips n
    shift 3
    skips=$(cat "$@" 2>/dev/null | grep '^skipped:' || true)
    n=0; [ -n "$skips" ] && n=$(printf '%s\n' "$skips" | wc -l)
    if [ "$st" = 0 ] && [ $strict = 1 ] && [ -n "$skips" ] && printf '%s\n' "$skips" | grep -qv '^skipped: no GPU'; then
        st=ci-skip
    fi
    skip=$((skip + n))
    if [ "$st" = 0 ]; then
        pass=$((pass + 1)); echo "ok   $name ($secs s)"
    elif [ "$st" = 77 ] && [ "$n" -gt 0 ]; then
        echo "skip $name ($secs s)"
    else
        fail=$((fail + 1)); failed+=("$name")
        echo "FAIL $name ($secs s)"
        [ "$st" = ci-skip ] && echo "     | a skip on CI whose reason is not the missing GPU"
        [ "$st" = 77 ] && echo "     | exit 77 (skipped) without a 'skipped: REASON' line"
        cat "$@" 2>/dev/null | grep -v '^skipped:' | tail -25 | sed 's/^/     | /'
    fi
    [ -n "$skips" ] && printf '%s\n' "$skips" | sed 's/^/     | /'
    return 0
}

# ---- unit tests: each binary's exit status is its verdict; a source without
# its binary fails (make builds them all), a binary without its source is stale
for src in "$TESTS"/unit/test_*.c; do
    [ -e "$src" ] || continue
    base=$(basename "$src" .c)
    name=unit/$base
    [ -n "$only" ] && [[ $name != *$only* ]] && continue
    t=$BUILD/tests/$base
    if [ ! -x "$t" ]; then
        echo "not built: $t" > "$work/out"
        report "$name" 1 0 "$work/out"
        continue
    fi
    : > "$work/out"
    run "$name" "$(limit /dev/null 300)" "$work/u" "$work/out" "$work/out" "$t"
    report "$name" $rc $secs "$work/out"
    rm -rf "$work/u"
done

# ---- command-line cases: every command a check; "# stderr: ERE" must match a
# line of the case's stderr, "# stderr-empty" wants none; no temporary file
# (*.tmp.*) may be left behind
for c in "$TESTS"/cli/*/*.sh; do
    [ -e "$c" ] || continue
    name=cli/${c#"$TESTS"/cli/}; name=${name%.sh}
    [ -n "$only" ] && [[ $name != *$only* ]] && continue
    d=$work/c
    : > "$work/out"
    run "$name" "$(limit "$c" 120)" "$d" "$work/out" "$work/out.err" "${BASH_CHECKS[@]}" "$c"
    st=$rc
    pat=$(sed -n 's/^# stderr: *//p' "$c" | head -1)
    {
        [ $st = 0 ] || echo "exit $st"
        u=$(unchecked "$c")
        if [ -n "$u" ]; then echo "$u"; st=1; fi
        if grep -q '^# exit:' "$c"; then
            echo "a '# exit:' line: cases end with status 0 and expect a failure with 'expect N CMD'"; st=1
        fi
        if [ -n "$pat" ] && ! grep -Eq -- "$pat" "$work/out.err"; then echo "stderr does not match: $pat"; st=1; fi
        if grep -q '^# stderr-empty' "$c" && [ -s "$work/out.err" ]; then echo "stderr not empty"; st=1; fi
        left=$(cd "$d" 2>/dev/null && find . -name '*.tmp.*' | head -3)
        if [ -n "$left" ]; then echo "temporary file left behind: $left"; st=1; fi
        if [ $st != 0 ]; then echo "--- stderr:"; tail -15 "$work/out.err"; echo "--- stdout:"; tail -5 "$work/out"; fi
    } > "$work/why"
    report "$name" $st $secs "$work/why" "$work/out"
    rm -rf "$d"
done

# ---- shell tests: every command a check; the exit status is the verdict ----
for s in "$TESTS"/sh/*.sh; do
    [ -e "$s" ] || continue
    name=sh/$(basename "$s" .sh)
    [ -n "$only" ] && [[ $name != *$only* ]] && continue
    : > "$work/out"
    run "$name" "$(limit "$s" 600)" "$work/s" "$work/out" "$work/out" "${BASH_CHECKS[@]}" "$s"
    unchecked "$s" >> "$work/out"
    [ -z "$(unchecked "$s")" ] || rc=1
    report "$name" $rc $secs "$work/out"
    rm -rf "$work/s"
done

if [ $fail -gt 0 ]; then
    echo
    echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
