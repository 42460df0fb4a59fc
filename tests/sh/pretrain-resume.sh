#!/usr/bin/env bash
# cn-pretrain's exact resume: a run killed with SIGKILL at several points and
# resumed each time from OUT/latest ends with the same model.safetensors
# (SHA-256) as the run left alone; the same with the data on stdin from
# cn-mix; SIGTERM checkpoints and exits 0, and that resumes too.
set -euo pipefail
. "$TOP/tests/sh/train.inc"
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
tiny_llama
cn-tokenize -q -t "$tok" "$SAMPLES/docs/domain.jsonl" -o d.tok
cn-tokenize -q -t "$tok" "$SAMPLES/docs/general.jsonl" -o g.tok
args=(-q -t "$tok" --steps 400 --seq-len 32 --micro-batch 2 --batch-tokens 128 --lr 1e-2 --warmup 3 --save-every 10 --keep 2 --threads 2)


cn-pretrain --config cfg.json "${args[@]}" --out whole d.tok g.tok
want=$(sha256sum < whole/model.safetensors)

bad=0
cn-pretrain --config cfg.json "${args[@]}" --out cut d.tok g.tok &
kill_at cut 60 400 $!
points=$landed
for at in 170 290; do
    cn-pretrain -q --threads 2 --resume cut d.tok g.tok &
    kill_at cut $at 400 $!
    points="$points $landed"
done
cn-pretrain -q --threads 2 --resume cut d.tok g.tok
if [ "$(sha256sum < cut/model.safetensors)" = "$want" ]; then
    echo "ok   killed at steps $points and resumed: the same model.safetensors"
else
    echo "FAIL killed at steps $points and resumed: another model"; bad=1
fi

# the data on stdin, from cn-mix: the same stream again on resume
cn-mix -q --tokens 60000 1:d.tok 1:g.tok > mixed.tok
cn-pretrain --config cfg.json "${args[@]}" --out whole-mix mixed.tok
cn-mix -q --tokens 60000 1:d.tok 1:g.tok | cn-pretrain --config cfg.json "${args[@]}" --out cut-mix - &
kill_at cut-mix 100 400 $!
first=$landed
cn-mix -q --tokens 60000 1:d.tok 1:g.tok | cn-pretrain -q --threads 2 --resume cut-mix -
if [ "$(sha256sum < cut-mix/model.safetensors)" = "$(sha256sum < whole-mix/model.safetensors)" ]; then
    echo "ok   cn-mix on stdin, killed at step $first and resumed: the same model.safetensors"
else
    echo "FAIL cn-mix on stdin, killed at step $first and resumed: another model"; bad=1
fi

# SIGTERM mid-run: a checkpoint of the step it stopped at, exit 0
cn-pretrain --config cfg.json "${args[@]}" --save-every 7 --out term d.tok g.tok 2> term.err &
kill_at term 50 400 $! TERM
step=$landed
grep -qx "cn-pretrain: signal 15: checkpoint of step $step in term; continue with: cn-pretrain --resume term d.tok g.tok" term.err
# the command the message gives is the one that continues
cmd=$(sed -n 's/.*; continue with: //p' term.err)
eval "$cmd -q --threads 2"
if [ "$(sha256sum < term/model.safetensors)" = "$want" ]; then
    echo "ok   SIGTERM at step $step: exit 0, a checkpoint, and the resumed run gives the same model"
else
    echo "FAIL SIGTERM at step $step: the resumed run gives another model"; bad=1
fi
exit $bad
