#!/usr/bin/env bash
# make bench BENCH=search: exact inner-product search, top-10 of 1,000
# queries over 100,000 x 384 unit vectors (random, seeded): libcore's
# cn_vec_search on the index file mapped (build/tests/vec_bench) against
# FAISS's IndexFlatIP through Debian's python3-faiss on the very same file
# (faiss.read_index), THREADS threads each, pinned, both OpenMP wait
# policies in each of ROUNDS alternating rounds, each side at its best; each
# run's figure is its best of 3 searches. Both must find the same ids (their
# sum is compared). Targets: ours at least as fast as FAISS (>= 1.0x on
# every round), and the search's peak RSS within 1.2x of the vectors' bytes.
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-5}
N=${N:-100000} D=${D:-384} NQ=${NQ:-1000} K=10
vb=$BUILD/tests/vec_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "threads: $THREADS (cores $CPUS), $(blas_kernel); $N x $D vectors, $NQ queries, top-$K, $ROUNDS rounds"
/usr/bin/python3 - "$work" $N $D $NQ <<'PY'
import sys
import numpy as np, faiss
w, n, d, nq = sys.argv[1], *map(int, sys.argv[2:])
r = np.random.default_rng(7)
x = r.standard_normal((n, d), dtype=np.float32); x /= np.linalg.norm(x, axis=1, keepdims=True)
q = r.standard_normal((nq, d), dtype=np.float32); q /= np.linalg.norm(q, axis=1, keepdims=True)
ix = faiss.IndexFlatIP(d); ix.add(x)
faiss.write_index(ix, w + "/index.faiss")
q.tofile(w + "/q.f32")
PY
ours() { OMP_WAIT_POLICY=$1 pin "$vb" "$work/index.faiss" "$work/q.f32" $K; }
peer() {
    OMP_WAIT_POLICY=$1 pin /usr/bin/python3 - "$work" $K <<'PY'
import sys, time
import numpy as np, faiss
w, k = sys.argv[1], int(sys.argv[2])
ix = faiss.read_index(w + "/index.faiss", faiss.IO_FLAG_MMAP)
q = np.fromfile(w + "/q.f32", dtype=np.float32).reshape(-1, ix.d)
faiss.omp_set_num_threads(int(__import__("os").environ["OMP_NUM_THREADS"]))
best = 1e9
for _ in range(3):
    t0 = time.perf_counter(); D, I = ix.search(q, k); best = min(best, time.perf_counter() - t0)
print("%.4f %d" % (best, int(I.sum())))
PY
}
for ((r = 0; r < ROUNDS; r++)); do
    for w in PASSIVE ACTIVE; do
        ours $w >> "$work/ours-$w"
        peer $w >> "$work/peer-$w"
    done
done
sums=$(cat "$work"/ours-* "$work"/peer-* | awk '{ print $2 }' | sort -u | wc -l)
[ "$sums" = 1 ] || { echo "search: the two sides found different ids"; fails=$((fails + 1)); }
for f in "$work"/ours-* "$work"/peer-*; do cut -d' ' -f1 "$f" > "$f.s"; done
for f in "$work"/*.s; do
    read -r lo med hi < <(spread "$f")
    printf "  %-12s %8.1f ms (runs %.1f-%.1f)\n" "$(basename "$f" .s)" "$(echo "$med * 1000" | bc -l)" "$(echo "$lo * 1000" | bc -l)" "$(echo "$hi * 1000" | bc -l)"
done
bo=$(best "$work"/ours-*.s) bp=$(best "$work"/peer-*.s)
verdict "search: ours ($(basename "$bo" .s)) / FAISS ($(basename "$bp" .s))" "$(speedups "$bp" "$bo")" 1.0
# memory: the search's peak RSS against the vectors' bytes
rss=$( { OMP_WAIT_POLICY=PASSIVE /usr/bin/time -f '%M' taskset -c "$CPUS" "$vb" "$work/index.faiss" "$work/q.f32" $K 1 > /dev/null; } 2>&1 | tail -1)
awk -v r="$rss" -v n=$N -v d=$D 'BEGIN { v = n * d * 4; q = r * 1024 / v; printf "search peak RSS %.0f MB, the vectors %.0f MB: %.2fx (target <= 1.2x) %s\n", r / 1024, v / 1048576, q, (q <= 1.2 ? "ok" : "OVER") }'
awk -v r="$rss" -v n=$N -v d=$D 'BEGIN { exit !(r * 1024 / (n * d * 4) <= 1.2) }' || fails=$((fails + 1))
finish
