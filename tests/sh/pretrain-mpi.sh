#!/usr/bin/env bash
# Data parallel cn-pretrain (Debian openmpi): 2 ranks with micro-batch B give
# final weights bit-identical to 1 rank accumulating 2 micro-batches of B;
# 2 ranks resuming a run of 2 ranks end where the run left alone does; with
# the optimizer sharded (--zero1, ZeRO stage 1) the same bits, its
# checkpoints hold the whole optimizer (resumed sharded or not), and 3 ranks
# (uneven parts) too.
set -euo pipefail
. "$TOP/tests/sh/train.inc"
command -v mpirun > /dev/null || { echo "mpirun missing: make deps installs openmpi-bin"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mpi_env
tiny_llama
cn-tokenize -q -t "$tok" "$SAMPLES/docs/domain.jsonl" "$SAMPLES/docs/general.jsonl" -o d.tok
args=(-q -t "$tok" --steps 40 --seq-len 32 --micro-batch 2 --batch-tokens 128 --lr 1e-2 --warmup 3 --threads 1 --no-cross-doc)
cn-pretrain --config cfg.json "${args[@]}" --out one d.tok
mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" --out two d.tok
bad=0
if [ "$(sha256sum < one/model.safetensors)" = "$(sha256sum < two/model.safetensors)" ]; then
    echo "ok   2 ranks of micro-batch 2 = 1 rank accumulating 2 micro-batches of 2, bit for bit"
else
    echo "FAIL 2 ranks and 1 rank with accumulation differ"; bad=1
fi
# 2 ranks, stopped at step 20 (its own checkpoint), resumed on 2 ranks
mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" --steps 40 --save-every 20 --out cut d.tok
rm -rf cut/step-40
echo step-20 > cut/latest
rm -f cut/model.safetensors
mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" -q --threads 1 --resume cut d.tok
if [ "$(sha256sum < cut/model.safetensors)" = "$(sha256sum < one/model.safetensors)" ]; then
    echo "ok   2 ranks resumed from step 20: the same weights"
else
    echo "FAIL 2 ranks resumed from step 20: other weights"; bad=1
fi
# ZeRO-1: the moments sharded over the ranks, the same weights
mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" --zero1 --out z2 d.tok
if [ "$(sha256sum < z2/model.safetensors)" = "$(sha256sum < one/model.safetensors)" ]; then
    echo "ok   2 ranks with --zero1: the same weights, bit for bit"
else
    echo "FAIL 2 ranks with --zero1: other weights"; bad=1
fi
# its checkpoint at step 20 holds every moment: the unsharded run's checkpoint, bit for bit
mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" --steps 40 --save-every 20 --zero1 --out zcut d.tok
if cmp -s zcut/step-20/optimizer.safetensors cut/step-20/optimizer.safetensors; then
    echo "ok   a --zero1 checkpoint holds the whole optimizer (the same file as without)"
else
    echo "FAIL a --zero1 checkpoint's optimizer.safetensors differs from the unsharded run's"; bad=1
fi
rm -rf zcut/step-40
echo step-20 > zcut/latest
rm -f zcut/model.safetensors
cp -r zcut zcut2
mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" -q --threads 1 --zero1 --resume zcut d.tok
mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" -q --threads 1 --resume zcut2 d.tok
if [ "$(sha256sum < zcut/model.safetensors)" = "$(sha256sum < one/model.safetensors)" ] &&
   [ "$(sha256sum < zcut2/model.safetensors)" = "$(sha256sum < one/model.safetensors)" ]; then
    echo "ok   a --zero1 run resumed from step 20, sharded and not: the same weights"
else
    echo "FAIL a --zero1 run resumed from step 20: other weights"; bad=1
fi
# 3 ranks (parts of different sizes), against 3 ranks unsharded (not 1 rank:
# MPI's sum of three gradients has an order of its own)
mpirun --oversubscribe -np 3 "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" --batch-tokens 192 --out one3 d.tok
mpirun --oversubscribe -np 3 "$BUILD/bin/cn-pretrain" --config cfg.json "${args[@]}" --batch-tokens 192 --zero1 --out z3 d.tok
if [ "$(sha256sum < z3/model.safetensors)" = "$(sha256sum < one3/model.safetensors)" ]; then
    echo "ok   3 ranks with --zero1 = 3 ranks without, bit for bit"
else
    echo "FAIL 3 ranks with --zero1 and without differ"; bad=1
fi
exit $bad
