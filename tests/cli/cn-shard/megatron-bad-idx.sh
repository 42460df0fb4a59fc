# stderr: bad.idx: not a Megatron index \(bad magic\)
. "$TOP/tests/cli/lib.sh"
cp "$DATA"/megatron/u16.bin bad.bin
echo 'definitely not an index file, but long enough for a header' > bad.idx
expect 1 cn-shard from-megatron --vocab-size 100 bad
