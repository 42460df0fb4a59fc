# more steps than the data holds: a note as each new pass over it begins
# (once a pass, naming the pass's tokens); none with -q; a run resumed after
# the wrap does not note it again
. $TOP/tests/cli/cn-pretrain/common.inc
printf '%s\n' '{"text": "the cat sat on the mat"}' '{"text": "a flop samples d on the clock edge"}' > small.jsonl
cn-tokenize -q -t $DATA/tok/tiny-spm.json small.jsonl -o small.tok
args=(--config cfg.json -t $DATA/tok/tiny-spm.json --seq-len 8 --micro-batch 1 --threads 1)
cn-pretrain "${args[@]}" --steps 9 --save-every 5 --out r small.tok 2> err
grep -c "^cn-pretrain: note: the data ended ([0-9]* tokens a pass); pass [0-9]* over it begins" err > notes
[ "$(cat notes)" -ge 2 ]
grep -q "pass 2 over it begins" err
grep -q "pass 3 over it begins" err
cn-pretrain -q "${args[@]}" --steps 9 --out q small.tok 2> err
[ ! -s err ]
# resumed at step 5 (past pass 2's start): pass 2 is not noted again
rm -r r/step-9 r/model.safetensors
echo step-5 > r/latest
cn-pretrain --resume r small.tok 2> err
if grep -q "pass 2 over it begins" err; then echo "pass 2 noted again on resume"; exit 1; fi
cmp r/model.safetensors q/model.safetensors
