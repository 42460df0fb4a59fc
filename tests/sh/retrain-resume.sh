#!/usr/bin/env bash
# cn-retrain shares the trainers' loop: a run killed with SIGKILL (twice) and
# resumed from OUT/latest ends bit-identical to the run left alone (the
# micro-batches drawn again from the epoch and the count drawn in it); with
# OpenMPI, 2 ranks of micro-batch B equal 1 rank accumulating 2 micro-batches
# (each micro-batch its own pool of candidates).
set -euo pipefail
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # OpenMPI's own allocations, as in pretrain-mpi.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
. "$TOP/tests/cli/cn-retrain/common.inc" > /dev/null 2>&1
. "$TOP/tests/sh/train.inc"
bad=0
args=(-q --threads 2 --steps 400 --micro-batch 8 --seq-len 48 --lr 1e-3 --save-every 10 --keep 2)
cn-retrain --init enc "${args[@]}" --out whole pairs.jsonl
cn-retrain --init enc "${args[@]}" --out cut pairs.jsonl &
kill_at cut 100 400 $!
points=$landed
cn-retrain -q --threads 2 --resume cut pairs.jsonl &
kill_at cut 250 400 $!
points="$points $landed"
cn-retrain -q --threads 2 --resume cut pairs.jsonl
if cmp -s whole/model.safetensors cut/model.safetensors; then
    echo "ok   killed at steps $points and resumed: the same model.safetensors"
else
    echo "FAIL killed at steps $points and resumed: another model.safetensors"; bad=1
fi
if command -v mpirun > /dev/null; then
    args=(-q --threads 1 --steps 20 --micro-batch 4 --seq-len 48 --batch-tokens 384 --lr 1e-3)
    cn-retrain --init enc "${args[@]}" --out one pairs.jsonl
    mpirun --oversubscribe -np 2 "$BUILD/bin/cn-retrain" --init enc "${args[@]}" --out two pairs.jsonl
    if cmp -s one/model.safetensors two/model.safetensors; then
        echo "ok   2 ranks of micro-batch 4 = 1 rank accumulating 2, bit for bit"
    else
        echo "FAIL 2 ranks and 1 rank with accumulation differ"; bad=1
    fi
else
    echo "FAIL mpirun missing: make deps installs openmpi-bin"; bad=1
fi
exit $bad
