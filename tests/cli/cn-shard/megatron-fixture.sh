# Megatron-LM's own files: read, and written back byte for byte
. "$TOP/tests/cli/lib.sh"
cp "$DATA"/megatron/i32.* .
cn-shard from-megatron --vocab-size 65536 --eos none i32 > i.tok
cn-shard to-megatron --dtype i32 --eos none --prefix again i.tok
cmp again.bin i32.bin
cmp again.idx i32.idx
