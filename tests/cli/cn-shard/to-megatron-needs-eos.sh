# exit: 2
# stderr: to-megatron needs --eos ID
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
cn-shard to-megatron --prefix p a.tok
