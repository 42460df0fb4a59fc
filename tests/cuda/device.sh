#!/usr/bin/env bash
# tests/cuda/device.sh: the one prepared check for a machine with an NVIDIA GPU
# (built for Hopper, sm_90). Under 6 minutes (BUDGET seconds, default 330):
#   build     make CUDA=1 -j16 of the GPU tests and two tools, when this machine
#             has the project's libraries; else the binaries tests/cuda/pack.sh
#             made elsewhere and the device tool carried (build/gpu-carry)
#   ops       every op against the CPU backend (tests/cuda/test_ops_cuda)
#   step      a LLaMA's and a BERT's training step, and 50 steps, against the CPU;
#             again in mixed precision on both (CN_PRECISION=bf16, tolerances
#             x10, the most cuda_test.h allows)
#   cli       cn-pretrain --device cuda against --device cpu on a tiny model
#   bench     dense bf16/TF32/fp32 peaks (cuBLAS); training tokens/s and MFU of
#             a 124M LLaMA (B 8, T 1024; fp32 and bf16) and a 1.1B (B 4, T 2048;
#             bf16), ours and PyTorch's on the same shapes; batch-1 decoding of
#             a 7B shape (bf16 weights) against the copy bandwidth's bound
#   sanitizer compute-sanitizer memcheck and racecheck on the op test (small
#             sizes), last: it takes what is left of the budget
# Every part's output goes to $OUT/NAME.txt and its verdict and figures to
# $OUT/summary.txt; a part that fails or runs out of time is recorded and the
# rest go on. On this machine nothing may be skipped: a part whose output has
# a "skipped:" line (a test that found no GPU) is FAILED, as is a missing
# compute-sanitizer. Exit status: 0 when every part passed.
#   OUT=dir bash tests/cuda/device.sh        (OUT defaults to build/device-out)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
OUT=${OUT:-$top/build/device-out}
mkdir -p "$OUT"
START=$(date +%s)
BUDGET=${BUDGET:-330}
S=$OUT/summary.txt
: > "$S"
fails=0
note() { echo "$*" | tee -a "$S"; }
left() { echo $((BUDGET - ($(date +%s) - START))); }
# part NAME LIMIT CMD...: CMD's output appended to $OUT/NAME.txt, within LIMIT
# seconds and what is left of the budget
part() {
    local name=$1 lim=$2 l t0 rc
    shift 2
    l=$(left)
    [ "$l" -lt "$lim" ] && lim=$l
    if [ "$lim" -le 3 ]; then
        note "$name: SKIPPED (the time budget is spent)"
        fails=$((fails + 1))
        return 1
    fi
    t0=$(date +%s)
    echo "\$ $*" >> "$OUT/$name.txt"
    timeout -k 5 "$lim" "$@" > "$OUT/.part" 2>&1
    rc=$?
    cat "$OUT/.part" >> "$OUT/$name.txt"
    if [ $rc = 0 ] && grep -q 'skipped:' "$OUT/.part"; then
        note "$name: FAILED (skipped on a GPU machine: $(grep -m1 'skipped:' "$OUT/.part")): see $name.txt"
        fails=$((fails + 1))
        rc=1
    elif [ $rc = 0 ]; then
        note "$name: ok ($(($(date +%s) - t0)) s)"
    else
        note "$name: FAILED (exit $rc$([ $rc = 124 ] && echo ', timed out after '"$lim"' s'), $(($(date +%s) - t0)) s): see $name.txt"
        fails=$((fails + 1))
    fi
    return $rc
}

note "device.sh: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | sed 's/^/gpu: /' | tee -a "$S"

# ---- build, or the carried binaries: BIN the tools, T the GPU tests ----
export PATH=$PATH:/usr/local/cuda/bin
BIN= T= carried=0
have_deps() {
    command -v nvcc >/dev/null && pkg-config --exists libzstd libcjson libpcre2-8 libutf8proc openblas 2>/dev/null &&
        [ -r /usr/share/unicode/DerivedAge.txt ]
}
if [ "${CARRIED:-0}" != 1 ] && have_deps; then
    B=build/dev
    if part build 200 make --no-print-directory -j16 CUDA=1 BUILD=$B $B/tests/cuda/test_ops_cuda $B/tests/cuda/test_step_cuda \
        $B/tests/cuda/bench_cuda $B/bin/cn-pretrain $B/bin/cn-tokenize; then
        BIN=$top/$B/bin T=$top/$B/tests/cuda
    fi
else
    echo "not built here: CARRIED=1, or no nvcc, or not the build dependencies (pkg-config: libzstd libcjson libpcre2-8 libutf8proc openblas; unicode-data)" >> "$OUT/build.txt"
fi
if [ -z "$BIN" ] && [ -x build/gpu-carry/bin/test_ops_cuda ]; then
    BIN=$top/build/gpu-carry/bin T=$BIN
    export LD_LIBRARY_PATH=$top/build/gpu-carry/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    note "build: using the carried binaries (tests/cuda/pack.sh) in build/gpu-carry"
    carried=1
fi
if [ -z "$BIN" ]; then
    note "no binaries: the build failed and nothing was carried (run tests/cuda/pack.sh and carry build/gpu-carry)"
    exit 1
fi
# CUDA's libraries where the binaries' run path does not reach them (pip's nvidia packages)
if ldd "$T/test_ops_cuda" | grep -q 'not found'; then
    for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib $(python3 -c 'import nvidia, os; \
        p = os.path.dirname(nvidia.__path__[0] if hasattr(nvidia, "__path__") else nvidia.__file__); \
        print(" ".join(os.path.join(p, "nvidia", k, "lib") for k in ("cublas", "cuda_runtime", "nccl")))' 2>/dev/null); do
        [ -d "$d" ] && export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    done
    ldd "$T/test_ops_cuda" | grep 'not found' | sed 's/^/build: missing /' | tee -a "$S"
fi

# ---- correctness ----
part ops 60 "$T/test_ops_cuda"
grep -E 'FAIL|check failed' "$OUT/ops.txt" | head -20 | sed 's/^/ops: /' | tee -a "$S"
part step 90 "$T/test_step_cuda"
grep -E 'loss: CPU|worst|steps: the loss|copies|FAIL|check failed' "$OUT/step.txt" | sed 's/^/step: /' | tee -a "$S"
echo "--- bf16 mixed precision on both backends (CN_PRECISION=bf16, CN_TOL_SCALE=10)" >> "$OUT/step.txt"
part step 90 env CN_PRECISION=bf16 CN_TOL_SCALE=10 "$T/test_step_cuda"
sed -n '/^--- bf16/,$p' "$OUT/step.txt" | grep -E 'loss: CPU|steps: the loss|FAIL' | sed 's/^/step bf16: /' | tee -a "$S"

# the tools: a tiny LLaMA trained 20 steps on the CPU and on the GPU
cli() {
    set -e
    local d
    d=$(mktemp -d)
    cd "$d"
    printf '%s\n' '{"model_type": "llama", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4,' \
        ' "num_key_value_heads": 2, "vocab_size": 650, "max_position_embeddings": 64, "bos_token_id": 1, "eos_token_id": 2}' > cfg.json
    "$BIN/cn-tokenize" -q -t "$top/tests/data/tok/tiny-spm.json" "$top"/samples/docs/*.jsonl -o data.tok
    for dev in cpu cuda; do
        "$BIN/cn-pretrain" -q --device $dev --config cfg.json -t "$top/tests/data/tok/tiny-spm.json" --out $dev --steps 20 \
            --seq-len 64 --micro-batch 4 --lr 1e-2 --warmup 2 --threads 4 --no-cross-doc --log $dev.log data.tok
    done
    paste -d' ' <(sed 's/.*"step": \([0-9]*\).*"loss": \([0-9.]*\).*"grad_norm": \([0-9.e+-]*\).*/\1 \2 \3/' cpu.log) \
        <(sed 's/.*"loss": \([0-9.]*\).*"grad_norm": \([0-9.e+-]*\).*/\1 \2/' cuda.log) |
        awk '{ d = $2 - $4; if (d < 0) d = -d; r = d / $2; if (r > w) w = r; print "step", $1, "loss cpu", $2, "cuda", $4, "grad_norm cpu", $3, "cuda", $5 }
             END { print "worst relative loss difference", w + 0; exit !(w < 1e-3) }'
    # a checkpoint the GPU wrote, resumed on the CPU (and the reverse): the same files either way
    for pair in "cuda cpu" "cpu cuda"; do
        set -- $pair
        "$BIN/cn-pretrain" -q --device $1 --config cfg.json -t "$top/tests/data/tok/tiny-spm.json" --out x$1 --steps 20 --save-every 10 \
            --seq-len 64 --micro-batch 4 --lr 1e-2 --warmup 2 --threads 4 --no-cross-doc data.tok
        rm -rf x$1/step-20 x$1/model.safetensors && echo step-10 > x$1/latest
        "$BIN/cn-pretrain" -q --device $2 --threads 4 --resume x$1 --log x$1.log data.tok
        awk -v a="$(tail -1 x$1.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')" -v b="$(tail -1 $2.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')" -v p="$1 -> $2" \
            'BEGIN { d = (a - b) / b; d = d < 0 ? -d : d; printf "resumed %s at step 10: final loss %s, uninterrupted run there %s (%.2e)\n", p, a, b, d; exit !(d < 1e-3) }'
    done
    # the first device index past the last: exit 1 naming it
    local n rc=0
    n=$(nvidia-smi -L | grep -c '^GPU ')
    "$BIN/cn-pretrain" -q --device cuda:$n --config cfg.json --out x --steps 1 data.tok > refused.txt 2>&1 || rc=$?
    if [ $rc != 1 ] || ! grep -q "CUDA device $n" refused.txt; then
        echo "FAIL --device cuda:$n with $n GPUs: exit $rc: $(cat refused.txt)"
        return 1
    fi
    echo "cuda:$n (this machine has $n GPUs) refused as it should be: $(cat refused.txt)"
    rm -rf "$d"
}
export -f cli
export BIN top
part cli 60 bash -c cli
grep -E 'worst|refused|resumed' "$OUT/cli.txt" | sed 's/^/cli: /' | tee -a "$S"

# ---- benchmark: training of a 124M and a 1.1B LLaMA, ours and PyTorch's,
# against the dense peaks; batch-1 decoding of a 7B shape against the copy
# bandwidth's bound ----
part bench 30 "$T/bench_cuda" peak
have_torch=0
python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null && have_torch=1
[ $have_torch = 1 ] || note "bench: no PyTorch with CUDA here: no side-by-side"
# shape NAME CONFIG B T STEPS PRECISIONS (comma-separated): bench-NAME.txt
shape() {
    local name=$1 cfg=$top/tests/cuda/$2 b=$3 t=$4 steps=$5 p
    for p in ${6//,/ }; do
        part "bench-$name" 90 "$T/bench_cuda" train "$cfg" "$b" "$t" "$steps" "$p"
    done
    [ $have_torch = 1 ] && part "bench-$name" 120 env PYTHONUNBUFFERED=1 python3 "$top/tests/cuda/torch_bench.py" "$cfg" "$b" "$t" "$steps" "$6"
    awk -v name="$name" -v shape="B $b, T $t" -v peak="$(awk '$1 == "bf16_dense_tflops" { print $2 }' "$OUT/bench.txt")" 'NF == 2 { v[$1] = $2 }
         END {
           split("ours_fp32 ours_bf16 torch_fp32 torch_bf16", k, " ")
           for (i = 1; i <= 4; i++) {
             t = v[k[i] "_tokens_per_s"]
             if (t == "") continue
             printf "bench %s (%s): %-10s %8s tokens/s %7s TFLOP/s", name, shape, k[i], t, v[k[i] "_tflops"]
             if (peak > 0) printf ", MFU %.1f%% of the bf16 dense peak", 100 * v[k[i] "_tflops"] / peak
             split(k[i], a, "_")
             if (a[1] == "ours" && v["torch_" a[2] "_tokens_per_s"] > 0) printf ", %.2fx PyTorch %s", t / v["torch_" a[2] "_tokens_per_s"], a[2]
             printf "\n"
           }
         }' "$OUT/bench-$name.txt" | tee -a "$S"
}
awk '$1 ~ /_dense_tflops$/ { printf "bench: %s %s\n", $1, $2 }' "$OUT/bench.txt" | tee -a "$S"
shape 124m llama-124m.json 8 1024 10 fp32,bf16
shape 1b llama-1b.json 4 2048 6 bf16
part bench-decode 120 "$T/bench_cuda" decode "$top/tests/cuda/llama-7b.json" 16 128
awk 'NF == 2 { v[$1] = $2 } END { if (v["decode_tokens_per_s"] != "")
       printf "bench decode (7B shape, bf16, batch 1): %s tokens/s, bound %s (%.3f GiB a token at %s GB/s copy bandwidth): %.1f%% of it\n",
              v["decode_tokens_per_s"], v["decode_bound_tokens_per_s"], v["decode_weight_gib_per_token"], v["copy_bandwidth_gbs"],
              100 * v["decode_fraction_of_bound"] }' "$OUT/bench-decode.txt" | tee -a "$S"
grep -h '^torch_version' "$OUT"/bench-*.txt 2>/dev/null | head -1 | sed 's/^/bench: PyTorch /; s/torch_version //' | tee -a "$S"

# ---- compute-sanitizer ----
CS=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
if [ -n "$CS" ]; then
    export CN_TEST_QUICK=1
    part sanitizer 100 "$CS" --tool memcheck --error-exitcode 9 "$T/test_ops_cuda"
    part sanitizer 100 "$CS" --tool racecheck --error-exitcode 9 "$T/test_ops_cuda"
    unset CN_TEST_QUICK
    grep -E 'ERROR SUMMARY|RACECHECK SUMMARY|Device not supported' "$OUT/sanitizer.txt" | sed 's/^/sanitizer: /' | tee -a "$S"
else
    note "sanitizer: FAILED (no compute-sanitizer on this GPU machine)"
    fails=$((fails + 1))
fi

# issue 5's transformers reference files, where build/hfref was prepared here
# (tests/ref/hf-refs.sh prepare) and carried: one tar in $OUT (its file limit)
if [ -d "$top/build/hfref" ] && python3 -c 'import transformers' 2>/dev/null; then
    part hfref 60 bash -c "mkdir -p /tmp/hfref && OUT=/tmp/hfref bash '$top/tests/ref/hf-refs.sh' device && tar -C /tmp/hfref -cf '$OUT/hfref.tar' ."
    [ -s "$OUT/hfref.tar" ] && note "hfref: transformers logits in hfref.tar (commit as tests/data/model/hf/)" || note "hfref: FAILED"
fi

# carried binaries: the kernels compile with this machine's nvcc too, if time is left
if [ $carried = 1 ] && [ "$(left)" -gt 40 ] && command -v nvcc >/dev/null; then
    part build 60 bash -c 'mkdir -p /tmp/kern && ls kernels/*.cu | xargs -P 8 -I{} sh -c "nvcc -O3 -std=c++17 \
        -gencode arch=compute_90,code=sm_90 -Ilibcore/base -Ilibcore/data -Ilibcore/text -Ilibcore/nn -Xcompiler -Wall,-Wextra,-Wno-unused-parameter -c {} -o /tmp/kern/\$(basename {} .cu).o"'
fi

note "device.sh: $fails part(s) failed, $(($(date +%s) - START)) s"
[ $fails = 0 ]
