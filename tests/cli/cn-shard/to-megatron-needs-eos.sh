# stderr: to-megatron needs --eos ID
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 2 cn-shard to-megatron --prefix p a.tok
