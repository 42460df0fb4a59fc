#!/usr/bin/env bash
# The GPU checks of tests/cuda where they can run: with the CUDA backend built
# and a GPU present, the op test and the whole-step test; otherwise a
# "skipped: no GPU" line (tests/cuda/device.sh is the full check on a GPU
# machine). In every build, --device's errors: a malformed value is a usage
# error (exit 2); cuda without the backend built, or without a usable GPU,
# exit 1 saying why.
set -euo pipefail
. "$TOP/tests/cli/lib.sh"

# a tiny model and data for the command-line cases
cat > cfg.json <<'CFG'
{"model_type": "llama", "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 1, "num_attention_heads": 2,
 "num_key_value_heads": 1, "vocab_size": 650, "max_position_embeddings": 32, "bos_token_id": 1, "eos_token_id": 2}
CFG
cn-tokenize -q -t "$DATA/tok/tiny-spm.json" "$TOP/samples/docs/domain.jsonl" -o data.tok
train() { cn-pretrain -q --config cfg.json --out out --overwrite --steps 2 --seq-len 16 --micro-batch 2 "$@" data.tok; }

expect 2 train --device gpu 2> err
grep -q "option --device: cpu, cuda or cuda:N" err
expect 2 train --device cuda:x 2> err
train --device cpu

if [ ! -x "$BUILD/tests/cuda/test_ops_cuda" ]; then
    echo "skipped: built without CUDA (make CUDA=0, or no CUDA toolkit): the CUDA backend is neither built nor run"
    expect 1 train --device cuda 2> err
    grep -q "built without CUDA" err
    exit 0
fi
"$BUILD/tests/cuda/test_ops_cuda" > ops.out 2>&1 || { cat ops.out; exit 1; }
if grep -q "skipped: no CUDA device" ops.out; then
    echo "skipped: no GPU ($(sed -n 's/.*skipped: no CUDA device (\(.*\))/\1/p' ops.out)): the CUDA backend is built, not run"
    expect 1 train --device cuda 2> err
    grep -Eq "^cn-pretrain: --device cuda: no usable NVIDIA GPU: (the CUDA runtime found none \(.+\)|the driver reports none)" err
else
    cat ops.out
    "$BUILD/tests/cuda/test_step_cuda"
    train --device cuda
    expect 1 train --device cuda:1000 2> err
    grep -q "CUDA device 1000" err
fi
