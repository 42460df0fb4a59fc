# --val: the held-out answers' loss in the log
. $TOP/tests/cli/cn-sft/common.inc
cn-sft -q --init base --template chatml --out a --steps 4 --seq-len 64 --micro-batch 1 --val-every 2 --val chat.jsonl --log a.log --max-skip 2 chat.jsonl
test "$(grep -c val_loss a.log)" = 2
