# --format megatron writes a dataset (EOS appended) that reads back as the shards
. "$TOP/tests/cli/lib.sh"
T=$DATA/tok
cn-tokenize -q -t $T/tiny-spm.json $T/edge.jsonl -o s.tok
cn-tokenize -q -t $T/tiny-spm.json --format megatron --eos 2 -o meg $T/edge.jsonl
[ -s meg.bin ]
[ -s meg.idx ]
cn-shard from-megatron -q meg | cmp - s.tok
