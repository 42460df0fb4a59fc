# rewriting a prefix without a side file removes the old one
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
cn-shard to-megatron -q --eos none --prefix p a.tok
[ -e p.cnmeta ] || exit 1
: > none.jsonl
cn-shard to-megatron -q --eos none --prefix p /dev/null
[ ! -e p.cnmeta ] || exit 1
cn-shard from-megatron -q --vocab-size 100 --eos none p | cn-shard stat | grep -q '"docs": 0'
