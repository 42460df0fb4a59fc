# stderr not a terminal: a plain line every --log-every steps, or about every
# 30 s without it (none in a run this short), then a last line with the final
# loss, val_loss, the passes over the data and the time
. $TOP/tests/cli/cn-pretrain/common.inc
printf '%s\n' '{"text": "the cat sat on the mat"}' '{"text": "a flop samples d on the clock edge"}' > small.jsonl
cn-tokenize -q -t $DATA/tok/tiny-spm.json small.jsonl -o small.tok
args=(--config cfg.json -t $DATA/tok/tiny-spm.json --seq-len 8 --micro-batch 1 --threads 1 --steps 9)
cn-pretrain "${args[@]}" --log-every 3 --val small.tok --out a small.tok 2> err
cat err
[ "$(grep -c '^cn-pretrain: step [0-9]/9 loss [0-9.]* lr [0-9.e-]* [0-9]* tokens/s ETA [0-9]* s$' err)" = 3 ]
grep -q '^cn-pretrain: 9 steps, 72 tokens, [0-9.]* s; final loss [0-9.]*, val_loss [0-9.]*; [0-9]*\.[0-9][0-9] passes over the data; model in a$' err
cn-pretrain "${args[@]}" --out b small.tok 2> err
if grep -q '^cn-pretrain: step ' err; then echo "a step line within 30 s without --log-every"; exit 1; fi
grep -q '; final loss [0-9.]*; [0-9.]* passes over the data; model in b$' err
