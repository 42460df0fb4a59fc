#!/usr/bin/env bash
# make bench, I/O: the shard readers and writers and cn-mix side by side with
# the peer of issue 2 (cat, zstd) on the same bytes: each pair alternates
# REPS times (default 9) after one untimed warm-up each. Both sides pinned to
# one core (taskset -c 0): our reader threads share it, as the peers' single
# thread has it. The figure is ours' speed over the peer's, its median and
# its spread over the pairs; the target (ours at least 1/1.5 or 1/1.2 of the
# peer's speed) must hold on every pair.
. "$(dirname "$0")/lib.sh"
B=$BUILD/bin
dir=$BUILD/bench
mkdir -p "$dir"
cd "$dir"
REPS=${REPS:-9}
TOKENS=${BENCH_TOKENS:-500M} # 500M two-byte ids: 1 GB per input
one() { taskset -c 0 "$@"; }

for x in a b; do
    if [ ! -s $x.tok ]; then
        seed=1; [ $x = b ] && seed=2
        echo "generating $dir/$x.tok ($TOKENS tokens)"
        "$BUILD/tests/shardgen" -o $x.tok --tokens "$TOKENS" --vocab 32000 --mean-len 1000 --seed $seed
    fi
    [ -s $x.tok.zst ] || zstd -q -1 -T0 -f $x.tok -o $x.tok.zst
done
cat a.tok b.tok.zst > /dev/null # into the page cache

# pair NAME TIME-RATIO PEER OURS: ours may take at most TIME-RATIO of the peer's time
pair() {
    local name=$1 target=$2 peer=$3 ours=$4 i
    : > peer.t; : > ours.t
    one bash -c "$peer" > /dev/null; one bash -c "$ours" > /dev/null # warm-up, not timed
    for ((i = 0; i < REPS; i++)); do
        wall one bash -c "$peer" >> peer.t
        wall one bash -c "$ours" >> ours.t
    done
    awk -v n="$name" -v p="$(median < peer.t)" -v o="$(median < ours.t)" 'BEGIN { printf "%-34s peer %7.3f s  ours %7.3f s\n", n, p, o }'
    verdict "  $name: ours / peer speed (time <= ${target}x)" "$(speedups peer.t ours.t)" "$(echo "1 / $target" | bc -l)"
}

echo "inputs: $(stat -c %s a.tok) + $(stat -c %s b.tok) bytes; zstd: $(stat -c %s a.tok.zst) + $(stat -c %s b.tok.zst); median of $REPS; one core"
pair "read shard (verify all)"            1.5 "cat a.tok > /dev/null"              "$B/cn-shard stat a.tok"
# writes go to tmpfs when there is one: no disk writeback to add noise
out=${BENCH_OUT:-/dev/shm}
[ -d "$out" ] && [ -w "$out" ] || out=.
pair "read + write shard"                 1.5 "cat a.tok > $out/cn-bench.cat"     "$B/cn-shard cat a.tok > $out/cn-bench.tok"
pair "cn-mix 2 x 1 GB"                    1.5 "cat a.tok b.tok > /dev/null"        "$B/cn-mix -q 1:a.tok 1:b.tok > /dev/null"
pair "cn-mix 2 x 1 GB into a pipe"        1.5 "cat a.tok b.tok | cat > /dev/null"  "$B/cn-mix -q 1:a.tok 1:b.tok | cat > /dev/null"
pair "read zstd shard"                    1.2 "zstd -dc a.tok.zst | cat > /dev/null" "$B/cn-shard stat a.tok.zst"
pair "cn-mix 2 x zstd"                    1.2 "zstd -dc a.tok.zst b.tok.zst | cat > /dev/null" "$B/cn-mix -q 1:a.tok.zst 1:b.tok.zst > /dev/null"
rm -f "$out/cn-bench.cat" "$out/cn-bench.tok" peer.t ours.t peer.t.ratio
finish
