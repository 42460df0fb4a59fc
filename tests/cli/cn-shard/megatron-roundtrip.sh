# shards -> Megatron -> shards is byte for byte, EOS appended and stripped
. "$TOP/tests/cli/lib.sh"; mkshard a.tok; mkshard b.tok
cat a.tok b.tok > ab.tok
cn-shard to-megatron --prefix meg --eos 999 ab.tok
[ "$(od -An -tu2 -j 6 -N 2 meg.bin | tr -d ' ')" = 999 ] || exit 1
cn-shard from-megatron meg | cmp - ab.tok
