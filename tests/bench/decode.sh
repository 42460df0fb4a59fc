#!/usr/bin/env bash
# make bench, decoding: batch-1 greedy decoding of the GPT-2-124M-shaped LLaMA
# (tests/data/bench/llama-124m.json, random weights), a prompt of PROMPT
# tokens in one pass then NEW tokens one at a time, timed over the new ones:
# libcore (build/tests/decode_bench, fp32 and bf16) against PyTorch (Debian
# python3-torch, tests/bench/torch_decode.py, inference_mode, its KV cache).
# Both sides on THREADS threads pinned to the same cores, each at each OpenMP
# wait policy (PASSIVE, ACTIVE) in every one of REPS alternating rounds, and
# reported at its best.
# Decoding a token reads every weight matrix once and the cache's keys and
# values up to its position; each figure is also given as a percentage of a
# memory-read reference measured in the same rounds: a vectorised sum over
# 1 GiB (much more than the last-level cache), OpenMP threads, built with the
# kernels' flags and AVX-512 (decode_bench read), divided by the bytes a new
# token reads on average (decode_bench bytes: the layers' matrices, the head
# and the cache). It is a reference, not a bound: a run can exceed it.
# Targets: fp32 at 85% of the reference or more, bf16 about twice fp32
# (>= 1.7x), fp32 at least PyTorch's speed.
. "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
PROMPT=${PROMPT:-128}
NEW=${NEW:-128}
cfg=$top/tests/data/bench/llama-124m.json
db=$BUILD/tests/decode_bench
[ -x "$db" ] || { echo "decode.sh: $db is missing (make all builds it)" >&2; exit 1; }
ours() { OMP_WAIT_POLICY=$1 pin "$db" decode "$cfg" "$2" "$PROMPT" "$NEW" | sed -n 1p; }
peer() { OMP_WAIT_POLICY=$1 pin /usr/bin/python3 "$top/tests/bench/torch_decode.py" "$cfg" "$2" "$PROMPT" "$NEW" | sed -n 1p; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "threads: $THREADS (cores $CPUS), $(blas_kernel)"
for ((i = 0; i < REPS; i++)); do
    pin "$db" read 1024 3 >> "$work/read"
    for dt in f32 bf16; do
        for w in PASSIVE ACTIVE; do
            ours $w $dt >> "$work/ours-$dt-$w"
            peer $w $dt >> "$work/peer-$dt-$w"
        done
    done
done
bw=$(median < "$work/read")
echo "decode llama-124m: $PROMPT-token prompt, $NEW new tokens greedy, median of $REPS"
echo "  memory read reference $bw GB/s ($(spread "$work/read" | awk '{print "runs " $1 "-" $3}'))"
for dt in f32 bf16; do
    bytes=$("$db" bytes "$cfg" $dt "$PROMPT" "$NEW")
    for f in "$work"/ours-$dt-* "$work"/peer-$dt-*; do
        awk -v n="$NEW" -v s="$(basename "$f")" -v sp="$(spread "$f")" -v bw="$bw" -v by="$bytes" 'BEGIN {
            split(sp, v, " "); ref = bw * 1e9 / by
            printf "  %-18s %6.1f tokens/s (runs %.1f-%.1f), %3.0f%% of the reference\n", s, n / v[2], n / v[3], n / v[1], 100 * n / v[2] / ref }'
    done
    bo=$(best "$work"/ours-$dt-*); bp=$(best "$work"/peer-$dt-*)
    eval "best_$dt=$bo"
    awk -v bw="$bw" -v by="$bytes" -v n="$NEW" -v o="$(median < "$bo")" -v dt=$dt 'BEGIN {
        printf "  %s: a token reads %.0f MB (weights and cache); reference %.1f tokens/s; ours at %.0f%% of it\n", dt, by / 1e6, bw * 1e9 / by, 100 * n / o / (bw * 1e9 / by) }'
    verdict "decode $dt: ours ($(basename "$bo")) / PyTorch ($(basename "$bp"))" "$(speedups "$bp" "$bo")" $([ $dt = f32 ] && echo 1.0 || echo 0)
done
# fp32 against the reference, on every round
bytes=$("$db" bytes "$cfg" f32 "$PROMPT" "$NEW")
paste "$work/read" "$best_f32" | awk -v by="$bytes" -v n="$NEW" '{ print (n / $2) / ($1 * 1e9 / by) }' > "$work/frac"
verdict "decode fp32: share of the memory-read reference" "$(spread "$work/frac")" 0.85
verdict "decode: bf16 / fp32 (speed)" "$(speedups "$best_f32" "$best_bf16")" 1.7
finish
