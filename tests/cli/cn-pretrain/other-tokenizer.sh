# stderr: ^cn-pretrain: data.tok: made with another tokenizer than other.json$
. $TOP/tests/cli/cn-pretrain/common.inc
# tiny-spm written out again with one more newline: the same vocabulary, but
# another file (SHA-256), which is what a shard records of its tokenizer
{ cat $DATA/tok/tiny-spm.json; echo; } > other.json
expect 1 cn-pretrain -q --config cfg.json -t other.json --out a --steps 1 --seq-len 32 data.tok
