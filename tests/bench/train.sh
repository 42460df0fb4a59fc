#!/usr/bin/env bash
# make bench, transformer: libcore (build/tests/model_bench) against PyTorch
# 1.13 (Debian python3-torch) on the same architecture, batch and random
# weights: training steps (forward, backward, AdamW) of a small LLaMA and of a
# GPT-2-124M-shaped LLaMA in tokens/s, with the FLOP/s of both against
# OpenBLAS sgemm's peak measured in the same run; BERT-small encoding in
# sentences/s; peak RSS of training against the memory estimate.
# The peer is tests/bench/torch_fast.py, PyTorch as one writes it for speed
# (nn.Linear layers, fused projections, foreach AdamW, the fused encoder fast
# path), not the correctness reference tests/ref/torch_model.py.
# Both sides: THREADS threads (default all cores), pinned to the same cores;
# each side at each OpenMP wait policy (PASSIVE, ACTIVE), every setting in each
# of REPS alternating rounds, and each side reported at its best. PyTorch runs
# with glibc malloc told to keep the memory it frees (MALLOC_MMAP_MAX_=0,
# MALLOC_TRIM_THRESHOLD_): each of its steps allocates hundreds of MB afresh,
# and where page faults are dear (here: 0.42 s to make a 262 MB tensor anew,
# 0.008 s to reuse one) that halves its speed otherwise.
. "$(dirname "$0")/lib.sh"
REPS=${REPS:-3}
cfg=$top/tests/data/bench
mb=$BUILD/tests/model_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "threads: $THREADS (cores $CPUS), $(blas_kernel)"
peak=$(pin "$mb" peak 2> "$work/peak.txt")
echo "OpenBLAS sgemm peak here: $peak GFLOP/s (best of $(tr '\n' ';' < "$work/peak.txt" | sed 's/;$//; s/;/, /g'))"
if grep -qw avx512f /proc/cpuinfo && ! "$mb" blas | grep -Eq '^(SkylakeX|Cooperlake|SapphireRapids)'; then
    alt=$(OPENBLAS_CORETYPE=SkylakeX pin "$mb" peak 2> /dev/null)
    awk -v a="$alt" -v p="$peak" 'BEGIN { printf "  (this CPU has AVX-512: with OPENBLAS_CORETYPE=SkylakeX sgemm reaches %.1f GFLOP/s, %.2fx; not used here)\n", a, a / p }'
fi

# FLOPs per token, one shared count (as llm.c): 6 x parameters in products + 12 L C T
flops_per_token() {
    node -e '
      const c = JSON.parse(require("fs").readFileSync(process.argv[1])), T = +process.argv[2];
      const C = c.hidden_size, F = c.intermediate_size, L = c.num_hidden_layers, V = c.vocab_size, H = c.num_attention_heads;
      const KV = c.num_key_value_heads || H, D = c.head_dim || C / H;
      const layer = C * H * D * 2 + 2 * C * KV * D + 3 * C * F;
      console.log(6 * (L * layer + V * C) + 12 * L * C * T);' "$1" "$2"
}

ours() { OMP_WAIT_POLICY=$1 pin "$mb" "${@:2}"; }
peer() { MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=1000000000000 OMP_WAIT_POLICY=$1 pin /usr/bin/python3 "$top/tests/bench/torch_fast.py" "${@:2}"; }

run() { # MODE CONFIG B T STEPS TARGET
    local mode=$1 name=$2 b=$3 t=$4 steps=$5 target=$6 i w
    local d=$work/$name
    mkdir -p "$d"
    for ((i = 0; i < REPS; i++)); do
        for w in PASSIVE ACTIVE; do
            ours $w "$mode" "$cfg/$name.json" "$b" "$t" "$steps" >> "$d/ours-$w"
            peer $w "$mode" "$cfg/$name.json" "$b" "$t" "$steps" >> "$d/peer-$w"
        done
    done
    local bo bp n
    bo=$(best "$d"/ours-*); bp=$(best "$d"/peer-*)
    n=$((b * steps)); [ "$mode" = train ] && n=$((b * t * steps))
    local unit=sentences; [ "$mode" = train ] && unit=tokens
    for f in "$d"/ours-* "$d"/peer-*; do
        awk -v n=$n -v u=$unit -v s="$(basename "$f")" -v sp="$(spread "$f")" 'BEGIN {
            split(sp, v, " "); printf "  %-10s %-18s %8.1f %s/s (runs %.1f-%.1f)\n", "'"$name"'", s, n / v[2], u, n / v[3], n / v[1] }'
    done
    if [ "$mode" = train ]; then
        local f
        f=$(flops_per_token "$cfg/$name.json" "$t")
        awk -v o="$(median < "$bo")" -v p="$(median < "$bp")" -v n=$n -v f="$f" -v pk="$peak" -v name="$name" 'BEGIN {
            go = n * f / o / 1e9; gp = n * f / p / 1e9
            printf "%-10s train: ours %7.0f tokens/s (%5.1f GFLOP/s, %3.0f%% of sgemm), PyTorch %7.0f tokens/s (%5.1f GFLOP/s, %3.0f%%)\n",
              name, n / o, go, 100 * go / pk, n / p, gp, 100 * gp / pk }'
        # a core above the sgemm peak means the peak is wrong
        if ! awk -v o="$(median < "$bo")" -v n=$n -v f="$f" -v pk="$peak" 'BEGIN { exit !(n * f / o / 1e9 <= pk) }'; then
            echo "$name: ours above the sgemm peak: the peak was measured wrong"
            fails=$((fails + 1))
        fi
    fi
    verdict "$name $mode: ours ($(basename "$bo")) / PyTorch ($(basename "$bp"))" "$(speedups "$bp" "$bo")" "$target"
}

run train llama-small 8 256 3 1.4
run train llama-124m 4 256 2 1.4
run encode bert-small 32 128 4 1.5
# peak RSS of a training run against the estimate (parameters, gradients,
# moments, activations)
for name in llama-small:8 llama-124m:4; do
    IFS=: read -r n b <<< "$name"
    est=$("$mb" memory "$cfg/$n.json" "$b" 256)
    rss=$( { /usr/bin/time -f '%M' taskset -c "$CPUS" "$mb" train "$cfg/$n.json" "$b" 256 1 > /dev/null; } 2>&1 | tail -1)
    awk -v e="$est" -v r="$rss" -v n="$n" 'BEGIN { q = r * 1024 / e; printf "%-10s peak RSS %.0f MB, estimate %.0f MB: %.2fx (target <= 1.2x) %s\n", n, r / 1024, e / 1048576, q, (q <= 1.2 ? "ok" : "OVER") }'
    awk -v e="$est" -v r="$rss" 'BEGIN { exit !(r * 1024 / e <= 1.2) }' || fails=$((fails + 1))
done
finish
