#!/usr/bin/env bash
# make bench, transformer: libcore against PyTorch (Debian python3-torch, its
# best settings: OMP_WAIT_POLICY=PASSIVE, 2 threads) on the same architecture
# and batch, alternating A B A B, medians. Training steps (forward, backward,
# AdamW) of a small LLaMA and of a GPT-2-124M-shaped LLaMA, in tokens/s, with
# the FLOP/s of both against OpenBLAS sgemm measured in the same run; BERT-small
# encoding in sentences/s; peak RSS against the memory estimate.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
REPS=${REPS:-3}
cfg=$top/tests/data/bench
mb=$BUILD/tests/model_bench
export OMP_WAIT_POLICY=PASSIVE
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
fails=0
peak=$("$mb" sgemm 1536)
echo "OpenBLAS sgemm peak here: $peak GFLOP/s"

# FLOPs per token, one shared count (as llm.c): 6 x parameters in products + 12 L C T
flops_per_token() {
    node -e '
      const c = JSON.parse(require("fs").readFileSync(process.argv[1])), T = +process.argv[2];
      const C = c.hidden_size, F = c.intermediate_size, L = c.num_hidden_layers, V = c.vocab_size, H = c.num_attention_heads;
      const KV = c.num_key_value_heads || H, D = c.head_dim || C / H;
      const layer = C * H * D * 2 + 2 * C * KV * D + 3 * C * F;
      console.log(6 * (L * layer + V * C) + 12 * L * C * T);' "$1" "$2"
}

run() { # MODE CONFIG B T STEPS TARGET
    local mode=$1 name=$2 b=$3 t=$4 steps=$5 target=$6 i
    : > ours.t; : > torch.t
    for ((i = 0; i < REPS; i++)); do
        "$mb" "$mode" "$cfg/$name.json" "$b" "$t" "$steps" >> ours.t
        /usr/bin/python3 "$top/tests/bench/torch_step.py" "$mode" "$cfg/$name.json" "$b" "$t" "$steps" >> torch.t
    done
    local o p
    o=$(median < ours.t); p=$(median < torch.t)
    if [ "$mode" = train ]; then
        local f
        f=$(flops_per_token "$cfg/$name.json" "$t")
        awk -v o="$o" -v p="$p" -v n=$((b * t * steps)) -v f="$f" -v pk="$peak" -v name="$name" -v tg="$target" 'BEGIN {
            printf "%-10s train: ours %7.0f tokens/s (%5.1f GFLOP/s, %3.0f%% of sgemm), PyTorch %7.0f tokens/s (%5.1f GFLOP/s): %.2fx (target %.1fx) %s\n",
              name, n / o, n * f / o / 1e9, 100 * n * f / o / 1e9 / pk, n / p, n * f / p / 1e9, p / o, tg, (p / o >= tg ? "ok" : "UNDER") }'
    else
        awk -v o="$o" -v p="$p" -v n=$((b * steps)) -v name="$name" -v tg="$target" 'BEGIN {
            printf "%-10s encode: ours %6.1f sentences/s, PyTorch %6.1f sentences/s: %.2fx (target %.1fx) %s\n",
              name, n / o, n / p, p / o, tg, (p / o >= tg ? "ok" : "UNDER") }'
    fi
    awk -v o="$o" -v p="$p" -v tg="$target" 'BEGIN { exit !(p / o >= tg) }' || fails=$((fails + 1))
}

run train llama-small 8 256 3 1.4
run train llama-124m 4 256 2 1.4
run encode bert-small 32 128 4 1.3
# peak RSS of a training run against the estimate (parameters, gradients,
# moments, activations)
for name in llama-small:8 llama-124m:4; do
    IFS=: read -r n b <<< "$name"
    est=$("$mb" memory "$cfg/$n.json" "$b" 256)
    rss=$( { /usr/bin/time -f '%M' "$mb" train "$cfg/$n.json" "$b" 256 1 > /dev/null; } 2>&1 | tail -1)
    awk -v e="$est" -v r="$rss" -v n="$n" 'BEGIN { q = r * 1024 / e; printf "%-10s peak RSS %.0f MB, estimate %.0f MB: %.2fx (target <= 1.2x) %s\n", n, r / 1024, e / 1048576, q, (q <= 1.2 ? "ok" : "OVER") }'
    awk -v e="$est" -v r="$rss" 'BEGIN { exit !(r * 1024 / e <= 1.2) }' || fails=$((fails + 1))
done
rm -f ours.t torch.t
echo "$fails under target"
[ $fails = 0 ]
