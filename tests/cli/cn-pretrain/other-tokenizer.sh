# stderr: ^cn-pretrain: data.tok: made with another tokenizer than
. $TOP/tests/cli/cn-pretrain/common.inc
expect 1 cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-metaspace.json --out a --steps 1 --seq-len 32 data.tok
