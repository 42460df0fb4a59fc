#!/usr/bin/env bash
# The GPU checks of tests/cuda where they can run: with the CUDA backend built
# and a GPU present, the op test and the whole-step test; otherwise "skipped"
# and exit 0 (tests/cuda/device.sh is the full check on a GPU machine). In
# every build, --device's errors: a malformed value is a usage error (exit 2);
# cuda without the backend built, or without a usable GPU, exit 1 saying why.
set -u
BUILD=${BUILD:-build}
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
DATA=${DATA:-$TOP/tests/data}
PATH=$BUILD/bin:$PATH
st=0
fail() { echo "FAIL: $*"; st=1; }

# a tiny model and data for the command-line cases
cat > cfg.json <<'CFG'
{"model_type": "llama", "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 1, "num_attention_heads": 2,
 "num_key_value_heads": 1, "vocab_size": 650, "max_position_embeddings": 32, "bos_token_id": 1, "eos_token_id": 2}
CFG
cn-tokenize -q -t "$DATA/tok/tiny-spm.json" "$TOP/samples/docs/domain.jsonl" -o data.tok || fail "cn-tokenize"
train() { cn-pretrain -q --config cfg.json --out out --steps 2 --seq-len 16 --micro-batch 2 "$@" data.tok; }

train --device gpu 2> err
rc=$?
[ $rc = 2 ] && grep -q "option --device: cpu, cuda or cuda:N" err || fail "--device gpu: exit $rc, $(cat err)"
train --device cuda:x 2> err
[ $? = 2 ] || fail "--device cuda:x: $(cat err)"
train --device cpu 2> err || fail "--device cpu: $(cat err)"

gpus=0
if [ -x "$BUILD/tests/cuda/test_ops_cuda" ]; then
    "$BUILD/tests/cuda/test_ops_cuda" > ops.out 2>&1
    rc=$?
    if grep -q "skipped: no CUDA device" ops.out; then
        echo "skipped: no GPU ($(sed -n 's/.*skipped: no CUDA device (\(.*\))/\1/p' ops.out)): the CUDA backend is built, not run"
    else
        gpus=1
        cat ops.out
        [ $rc = 0 ] || fail "tests/cuda/test_ops_cuda"
        "$BUILD/tests/cuda/test_step_cuda" || fail "tests/cuda/test_step_cuda"
    fi
    if [ $gpus = 0 ]; then
        train --device cuda 2> err
        rc=$?
        [ $rc = 1 ] && grep -Eq "no usable CUDA device|no CUDA device" err || fail "--device cuda without a GPU: exit $rc, $(cat err)"
    else
        train --device cuda 2> err || fail "--device cuda: $(cat err)"
        train --device cuda:1000 2> err
        [ $? = 1 ] && grep -q "CUDA device 1000" err || fail "--device cuda:1000: $(cat err)"
    fi
else
    echo "skipped: built without CUDA (make CUDA=0, or no nvcc)"
    train --device cuda 2> err
    rc=$?
    [ $rc = 1 ] && grep -q "built without CUDA" err || fail "--device cuda in a build without CUDA: exit $rc, $(cat err)"
fi
exit $st
