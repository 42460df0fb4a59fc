#!/usr/bin/env bash
# A trainer's --log is written as the run goes: it grows while the run is
# running, a run killed with SIGKILL keeps every step it logged, and --resume
# continues it after the checkpoint's step (a line cut short and the steps
# past the checkpoint are cut off), with or without --log given again, so
# that the log of a run killed twice and resumed equals the uninterrupted
# run's apart from tokens_per_s. A new run into an existing log starts it
# afresh.
set -euo pipefail
. "$TOP/tests/sh/train.inc"
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
tiny_llama
cn-tokenize -q -t "$tok" "$SAMPLES/docs/domain.jsonl" -o d.tok
args=(-q -t "$tok" --steps 400 --seq-len 32 --micro-batch 2 --batch-tokens 128 --lr 1e-2 --warmup 3 --save-every 10 --threads 2)
strip() { sed 's/, "tokens_per_s": [0-9.]*//' "$1"; }

cn-pretrain --config cfg.json "${args[@]}" --log whole.log --out whole d.tok
[ "$(wc -l < whole.log)" = 400 ]

# the log grows while the run goes (step 20 logged, the run still running)
cn-pretrain --config cfg.json "${args[@]}" --log cut.log --out cut d.tok &
pid=$!
wait_step "logged cut.log" 20 $pid
if [ -e cut/model.safetensors ]; then
    echo "FAIL the log reached step 20 only once the run had ended"
    exit 1
fi
kill_at cut 60 400 $pid
first=$landed
# every step the killed run logged is there, at least up to its checkpoint
[ "$(logged cut.log)" -ge "$first" ]
[ "$(strip cut.log)" = "$(strip whole.log | head -n "$(wc -l < cut.log)")" ]
printf '{"step": 99' >> cut.log # a line cut short by the kill

# resumed without --log: the run's own log goes on
cn-pretrain -q --threads 2 --resume cut d.tok &
kill_at cut 200 400 $!
second=$landed
# resumed with the same --log given again: continued, not started afresh
cn-pretrain -q --threads 2 --resume cut --log cut.log d.tok
cmp whole/model.safetensors cut/model.safetensors
if [ "$(strip cut.log)" != "$(strip whole.log)" ]; then
    diff <(strip whole.log) <(strip cut.log) | head -5
    echo "FAIL killed at steps $first and $second and resumed: the log differs from the uninterrupted run's"
    exit 1
fi
echo "ok   killed at steps $first and $second, resumed without and with --log: the same log, apart from tokens_per_s"

# a new run into an existing log starts it afresh
cn-pretrain --config cfg.json "${args[@]}" --steps 5 --log whole.log --out again d.tok
[ "$(wc -l < whole.log)" = 5 ]
echo "ok   a new run into an existing log starts it afresh"
