# stderr not a terminal (nohup, CI, Slurm): a plain line every --log-every
# steps, then a last line with the steps, tokens, time, final loss, val_loss
# and the passes over each source; -q prints neither; --log-every 0 is refused
. $TOP/tests/cli/cn-sft/common.inc
args=(--init base --template chipnemo --seq-len 64 --micro-batch 2 --steps 12 --max-skip 2 --threads 1)
cn-sft "${args[@]}" --out a --log-every 4 --val chat.jsonl chat.jsonl 2> err
cat err
[ "$(grep -c '^cn-sft: step [0-9]*/12 loss [0-9.]* lr [0-9.e-]* [0-9]* tokens/s ETA [0-9]* s$' err)" = 3 ]
grep -q '^cn-sft: step 4/12 ' err
grep -q '^cn-sft: step 12/12 ' err
grep -q '^cn-sft: 12 steps, 1536 tokens, [0-9.]* s; final loss [0-9.]*, val_loss [0-9.]*; passes over the data: chat.jsonl [0-9]*\.[0-9][0-9]; model in a$' err
# two sources, each named with its passes; a resumed run says where it resumed
cn-sft "${args[@]}" --out b --save-every 6 --log-every 4 chat.jsonl 2:chat.jsonl 2> err
grep -q '; passes over the data: chat.jsonl [0-9.]*, 2:chat.jsonl [0-9.]*; model in b$' err
rm -r b/step-12 b/model.safetensors
echo step-6 > b/latest
cn-sft --resume b --log-every 4 chat.jsonl 2:chat.jsonl 2> err
grep -q '^cn-sft: step 8/12 ' err
grep -q '^cn-sft: 12 steps, 1536 tokens, [0-9.]* s (resumed at step 6); final loss' err
cn-sft -q "${args[@]}" --out c --log-every 4 chat.jsonl 2> err
if grep -q 'step\|final loss' err; then echo "-q printed progress"; exit 1; fi
expect 2 cn-sft "${args[@]}" --out d --log-every 0 chat.jsonl 2> err
grep -q 'option --log-every: at least 1' err
