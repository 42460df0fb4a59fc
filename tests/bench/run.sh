#!/usr/bin/env bash
# make bench: throughput of the shard readers/writers and cn-mix, side by side
# with the peer named in issue 2 in the same run. Each pair runs alternately
# REPS times (default 9) after one untimed warm-up each, and the medians are compared: the ratio is ours/peer
# (lower is better) against the target.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
B=$BUILD/bin
dir=$BUILD/bench
mkdir -p "$dir"
cd "$dir"
REPS=${REPS:-9}
TOKENS=${BENCH_TOKENS:-500M} # 500M two-byte ids: 1 GB per input

for x in a b; do
    if [ ! -s $x.tok ]; then
        seed=1; [ $x = b ] && seed=2
        echo "generating $dir/$x.tok ($TOKENS tokens)"
        "$BUILD/tests/shardgen" -o $x.tok --tokens "$TOKENS" --vocab 32000 --mean-len 1000 --seed $seed
    fi
    [ -s $x.tok.zst ] || zstd -q -1 -T0 -f $x.tok -o $x.tok.zst
done
cat a.tok b.tok.zst > /dev/null # into the page cache

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# pair NAME TARGET PEER OURS
fails=0
pair() {
    local name=$1 target=$2 peer=$3 ours=$4 i t0 t1
    : > peer.t; : > ours.t
    bash -c "$peer" > /dev/null; bash -c "$ours" > /dev/null # warm-up, not timed
    for ((i = 0; i < REPS; i++)); do
        t0=$(now); bash -c "$peer" > /dev/null; t1=$(now); echo "$t1 - $t0" | bc -l >> peer.t
        t0=$(now); bash -c "$ours" > /dev/null; t1=$(now); echo "$t1 - $t0" | bc -l >> ours.t
    done
    local p o
    p=$(median < peer.t); o=$(median < ours.t)
    awk -v n="$name" -v p="$p" -v o="$o" -v t="$target" 'BEGIN {
        r = o / p; printf "%-34s peer %7.3f s  ours %7.3f s  ratio %5.2f  (target <= %.2f) %s\n", n, p, o, r, t, r <= t ? "ok" : "OVER" }'
    awk -v p="$p" -v o="$o" -v t="$target" 'BEGIN { exit !(o / p <= t) }' || fails=$((fails + 1))
}

echo "inputs: $(stat -c %s a.tok) + $(stat -c %s b.tok) bytes; zstd: $(stat -c %s a.tok.zst) + $(stat -c %s b.tok.zst); median of $REPS"
pair "read shard (verify all)"            1.5 "cat a.tok > /dev/null"              "$B/cn-shard stat a.tok"
# writes go to tmpfs when there is one: no disk writeback to add noise
out=${BENCH_OUT:-/dev/shm}
[ -d "$out" ] && [ -w "$out" ] || out=.
pair "read + write shard"                 1.5 "cat a.tok > $out/cn-bench.cat"     "$B/cn-shard cat a.tok > $out/cn-bench.tok"
pair "cn-mix 2 x 1 GB"                    1.5 "cat a.tok b.tok > /dev/null"        "$B/cn-mix -q 1:a.tok 1:b.tok > /dev/null"
pair "cn-mix 2 x 1 GB into a pipe"        1.5 "cat a.tok b.tok | cat > /dev/null"  "$B/cn-mix -q 1:a.tok 1:b.tok | cat > /dev/null"
pair "read zstd shard"                    1.2 "zstd -dc a.tok.zst | cat > /dev/null" "$B/cn-shard stat a.tok.zst"
pair "cn-mix 2 x zstd"                    1.2 "zstd -dc a.tok.zst b.tok.zst | cat > /dev/null" "$B/cn-mix -q 1:a.tok.zst 1:b.tok.zst > /dev/null"
rm -f "$out/cn-bench.cat" "$out/cn-bench.tok" peer.t ours.t
echo "$fails over target"
