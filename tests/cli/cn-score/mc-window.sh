# stderr: ^cn-score: q.jsonl:2: choice 1 is [0-9]+ tokens, more than the model's window of 64$
# a choice longer than the model's window cannot be scored: an error naming it
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out m --steps 1 --seq-len 32 data.tok
long=$(printf 'metastable %.0s' $(seq 40))
printf '{"question": "q", "choices": ["a", "b"], "answer": 0}\n{"question": "q", "choices": ["a", "%s"], "answer": 0}\n' "$long" > q.jsonl
expect 1 cn-score mc -q -m m q.jsonl
