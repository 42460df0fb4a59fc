#!/usr/bin/env bash
# cn-sft shares cn-pretrain's loop: a run killed with SIGKILL and resumed
# from OUT/latest ends bit-identical to the run left alone, for full
# fine-tuning and for LoRA with dropout (its masks drawn again from the step);
# with OpenMPI, 2 ranks of micro-batch B equal 1 rank accumulating 2.
set -euo pipefail
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # OpenMPI's own allocations, as in pretrain-mpi.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
. "$TOP/tests/cli/cn-sft/common.inc" >/dev/null
for i in 1 2 3 4 5 6; do cat chat.jsonl; done > more.jsonl

. "$TOP/tests/sh/train.inc"
bad=0
for kind in full lora; do
    args=(-q --template chatml --max-skip 20 --seq-len 64 --micro-batch 2 --batch-tokens 256 --steps 150 --lr 1e-2 --save-every 10 --keep 2 --threads 2)
    out=model.safetensors
    if [ $kind = lora ]; then args+=(--lora-rank 4 --lora-targets all --lora-dropout 0.1); out=adapter_model.safetensors; fi
    cn-sft --init base "${args[@]}" --out whole-$kind more.jsonl 2:chat.jsonl
    cn-sft --init base "${args[@]}" --out cut-$kind more.jsonl 2:chat.jsonl &
    kill_at cut-$kind 40 150 $!
    points=$landed
    cn-sft -q --threads 2 --max-skip 20 --resume cut-$kind more.jsonl 2:chat.jsonl &
    kill_at cut-$kind 100 150 $!
    points="$points $landed"
    cn-sft -q --threads 2 --max-skip 20 --resume cut-$kind more.jsonl 2:chat.jsonl
    if cmp -s whole-$kind/$out cut-$kind/$out; then
        echo "ok   $kind: killed at steps $points and resumed: the same $out"
    else
        echo "FAIL $kind: killed at steps $points and resumed: another $out"; bad=1
    fi
done
if command -v mpirun > /dev/null; then
    args=(-q --template chatml --max-skip 20 --seq-len 64 --micro-batch 1 --batch-tokens 128 --steps 20 --lr 1e-2 --threads 1
          --lora-rank 4 --lora-dropout 0.1)
    cn-sft --init base "${args[@]}" --out one more.jsonl
    mpirun --oversubscribe -np 2 "$BUILD/bin/cn-sft" --init base "${args[@]}" --out two more.jsonl
    if cmp -s one/adapter_model.safetensors two/adapter_model.safetensors; then
        echo "ok   LoRA: 2 ranks of micro-batch 1 = 1 rank accumulating 2, bit for bit"
    else
        echo "FAIL LoRA: 2 ranks and 1 rank with accumulation differ"; bad=1
    fi
else
    echo "FAIL mpirun missing: make deps installs openmpi-bin"; bad=1
fi
exit $bad
