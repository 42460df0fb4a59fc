# Shared by make bench's scripts (sourced). Every side of a comparison runs on
# the same THREADS threads (default: all cores), pinned to the same cores
# (pin), alternating A B A B; each side is measured at each of its settings
# (the OpenMP wait policy, PyTorch's allocator) and reported at its best; a
# ratio is reported as its median and its spread over the alternating pairs,
# and a target must hold on every pair, not on the median alone. A missed
# target makes the script exit 1 (finish).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
THREADS=${THREADS:-$(nproc)}
CPUS=0-$((THREADS - 1))
export THREADS OMP_NUM_THREADS=$THREADS
fails=0

pin() { taskset -c "$CPUS" "$@"; }
now() { date +%s.%N; }
# wall CMD...: the seconds CMD takes, its output discarded
wall() {
    local t0 t1
    t0=$(now)
    "$@" > /dev/null
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# spread FILE: "min median max" of the numbers in FILE
spread() { sort -g "$1" | awk '{v[NR] = $1} END {printf "%s %s %s\n", v[1], (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR]}'; }
# best FILE...: the file whose median is lowest (the fastest setting of a side)
best() {
    local f b= bm=
    for f in "$@"; do
        local m
        m=$(median < "$f")
        if [ -z "$b" ] || awk -v a="$m" -v b="$bm" 'BEGIN { exit !(a < b) }'; then b=$f bm=$m; fi
    done
    echo "$b"
}
# speedups SLOW FAST: the ratios SLOW[i] / FAST[i] of the alternating pairs
# (times of the peer over ours: how much faster ours is), "min median max"
speedups() {
    paste "$1" "$2" | awk '{ print $1 / $2 }' > "$1.ratio"
    spread "$1.ratio"
}
# verdict NAME "MIN MEDIAN MAX" TARGET: passes when even the lowest pair's
# ratio reaches TARGET
verdict() {
    local name=$1 target=$3 lo med hi
    read -r lo med hi <<< "$2"
    awk -v n="$name" -v lo="$lo" -v m="$med" -v hi="$hi" -v t="$target" 'BEGIN {
        printf "%-56s %5.2fx (pairs %.2f-%.2f; target >= %.2f on every pair) %s\n", n, m, lo, hi, t, (lo >= t ? "ok" : "UNDER") }'
    awk -v lo="$lo" -v t="$target" 'BEGIN { exit !(lo >= t) }' || fails=$((fails + 1))
}
# the OpenBLAS kernel in use (OPENBLAS_CORETYPE where set, else what the
# library chose for this CPU), for the figures beside it
blas_kernel() { echo "OpenBLAS $("$BUILD/tests/model_bench" blas)${OPENBLAS_CORETYPE:+ (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)}"; }
finish() {
    echo "$fails under target"
    [ "$fails" = 0 ]
}
