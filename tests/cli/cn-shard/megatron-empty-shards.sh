# empty shards survive the way to Megatron and back, byte for byte
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
: > none.jsonl
cn-shard pack -q --vocab-size 1000 -o empty.tok none.jsonl
cat a.tok empty.tok a.tok empty.tok > s.tok
cn-shard to-megatron -q --eos 999 --prefix m s.tok
cn-shard from-megatron -q m | cmp - s.tok
