#!/usr/bin/env bash
# timeout: 900
# The trainers against crashes: a run killed with SIGKILL at 10 seeded random
# points (each a random number of steps past where the run resumed, plus a
# random delay, so that kills land inside steps and inside checkpoint
# writes; each must leave a newer checkpoint than the last), resumed after
# each, ends
# with a final model byte-identical to the run left alone: cn-pretrain on one
# rank, cn-pretrain on 2 MPI ranks with --zero1 (the ranks and mpirun killed
# together, as a machine that goes down), cn-sft full and cn-sft LoRA (with
# dropout). And a disk that fills at checkpoint time (a tmpfs that holds one
# checkpoint but not two; where mounting is refused, a run resumed from its
# first checkpoint under ulimit -f, SIGXFSZ ignored): exit 1 naming the file,
# the previous checkpoint intact, and --resume from it (with room again) gives
# the same bytes.
set -euo pipefail
. "$TOP/tests/sh/train.inc"
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; umount "$work/small" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # OpenMPI's own allocations, as in pretrain-mpi.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
tok=$DATA/tok/tiny-spm.json
. "$TOP/tests/cli/cn-sft/common.inc" > /dev/null # cfg.json, base/ (a model directory), chat.jsonl
for i in 1 2 3 4 5 6; do cat chat.jsonl; done > more.jsonl
cn-tokenize -q -t "$tok" "$SAMPLES/docs/domain.jsonl" "$SAMPLES/docs/general.jsonl" -o d.tok
STEPS=400
common=(--steps $STEPS --save-every 3 --keep 2 --lr 1e-2 --warmup 3)
# the runs: fresh NAME OUT starts one, resume NAME OUT continues it (with
# EXEC=exec the run replaces the shell that runs the function: a background
# run's pid is the run's own)
EXEC=
fresh() {
    case $1 in
    pretrain) $EXEC cn-pretrain -q --config cfg.json -t "$tok" --out "$2" "${common[@]}" --seq-len 32 --micro-batch 2 --batch-tokens 128 --threads 2 d.tok ;;
    pretrain-mpi) $EXEC mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" -q --config cfg.json -t "$tok" --out "$2" "${common[@]}" \
                      --seq-len 64 --micro-batch 2 --batch-tokens 256 --threads 1 --zero1 d.tok ;;
    sft-full) $EXEC cn-sft -q --init base --template chatml --max-skip 20 --out "$2" "${common[@]}" --seq-len 64 --micro-batch 2 --batch-tokens 256 --threads 2 more.jsonl ;;
    sft-lora) $EXEC cn-sft -q --init base --template chatml --max-skip 20 --out "$2" "${common[@]}" --seq-len 64 --micro-batch 2 --batch-tokens 256 --threads 2 \
                  --lora-rank 4 --lora-targets all --lora-dropout 0.1 more.jsonl ;;
    esac
}
resume() {
    case $1 in
    pretrain) $EXEC cn-pretrain -q --threads 2 --resume "$2" d.tok ;;
    pretrain-mpi) $EXEC mpirun --oversubscribe -np 2 "$BUILD/bin/cn-pretrain" -q --threads 1 --zero1 --resume "$2" d.tok ;;
    sft-*) $EXEC cn-sft -q --threads 2 --max-skip 20 --resume "$2" more.jsonl ;;
    esac
}
final() { if [ "$1" = sft-lora ]; then echo "$2/adapter_model.safetensors"; else echo "$2/model.safetensors"; fi; }

RANDOM=2024 # the points, the same every run
bad=0
for run in pretrain pretrain-mpi sft-full sft-lora; do
    t0=$(date +%s)
    fresh $run whole
    landed_at=() landed=0
    export KILL_TREE=0
    [ $run = pretrain-mpi ] && export KILL_TREE=1
    for k in $(seq 0 9); do
        export KILL_DELAY=0.00$((RANDOM % 10))
        at=$((landed + 3 + RANDOM % 10)) before=$landed
        if [ $k = 0 ]; then EXEC=exec fresh $run cut & else EXEC=exec resume $run cut & fi
        kill_at cut $at $STEPS $!
        [ "$landed" -gt "$before" ] # the resumed run got somewhere before it died
        landed_at+=("$landed")
    done
    resume $run cut
    if cmp -s "$(final $run whole)" "$(final $run cut)"; then
        echo "ok   $run: killed -9 at steps ${landed_at[*]} (checkpoints left), resumed each time: the same $(basename "$(final $run cut)") ($(($(date +%s) - t0)) s)"
    else
        echo "FAIL $run: killed -9 at steps ${landed_at[*]} and resumed: another $(basename "$(final $run cut)")"
        bad=1
    fi
    rm -rf whole cut
done
unset KILL_TREE KILL_DELAY

# a disk that fills at checkpoint time
cn-pretrain -q --config cfg.json -t "$tok" --out whole --steps 40 --save-every 10 --keep 0 --seq-len 32 --micro-batch 2 --threads 2 d.tok
size=$(du -sk whole/step-40 | cut -f1)
mkdir small
st=0
if mount -t tmpfs -o size=$((size * 3 / 2))k tmpfs small 2>/dev/null; then
    cn-pretrain -q --config cfg.json -t "$tok" --out small/out --steps 40 --save-every 10 --keep 1 --seq-len 32 --micro-batch 2 --threads 2 d.tok \
        2> err || st=$?
    nospace='No space left on device'
else
    echo "mounting a tmpfs was refused: the full disk is ulimit -f on the run resumed from step 10"
    mkdir small/out
    cp -r whole/step-10 small/out/
    echo step-10 > small/out/latest
    (ulimit -f $((size / 4)); trap '' XFSZ; exec cn-pretrain -q --threads 2 --resume small/out d.tok) 2> err || st=$?
    nospace='File too large'
fi
[ $st = 1 ]
grep -Eq "^cn-pretrain: small/out/step-20.tmp/[a-z_.]+: write error: $nospace\$" err
[ "$(cat small/out/latest)" = step-10 ]
[ -z "$(ls small/out | grep -v '^\(latest\|step-10\|tokenizer.json\)$' || true)" ] # nothing half-written beside it
if mountpoint -q small; then mount -o remount,size=64m small; fi
cn-pretrain -q --threads 2 --resume small/out d.tok
if cmp -s whole/model.safetensors small/out/model.safetensors; then
    echo "ok   a full disk at the checkpoint of step 20: $(cat err); step-10 intact, and resumed from it: the same model.safetensors"
else
    echo "FAIL a full disk at the checkpoint of step 20, resumed from step 10: another model"
    bad=1
fi
exit $bad
