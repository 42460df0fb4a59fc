# messages that say what to do: JSONL given as data (tokenize it first), and
# --resume on a run of the other trainer (resume it with that one)
. $TOP/tests/cli/cn-pretrain/common.inc
expect 1 cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out x --steps 1 --seq-len 32 $SAMPLES/docs/domain.jsonl 2> err
grep -qx "cn-pretrain: $SAMPLES/docs/domain.jsonl: not a token shard (bad magic): it reads as JSONL text; cn-tokenize -t TOKENIZER.json makes shards of it" err
[ ! -e x ]
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out base --steps 1 --seq-len 32 data.tok
printf '{"messages": [{"role": "user", "content": "What is a netlist?"}, {"role": "assistant", "content": "Cells and nets."}]}\n' > chat.jsonl
cn-sft -q --init base --template chipnemo --out s --steps 2 --save-every 1 --seq-len 64 chat.jsonl
expect 1 cn-pretrain -q --resume s data.tok 2> err
grep -qx 'cn-pretrain: s/step-2/trainer.json: a run of cn-sft: continue it with cn-sft --resume s' err
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out p --steps 2 --save-every 1 --seq-len 32 data.tok
expect 1 cn-sft -q --resume p chat.jsonl 2> err
grep -qx 'cn-sft: p/step-2/trainer.json: a run of cn-pretrain: continue it with cn-pretrain --resume p' err
