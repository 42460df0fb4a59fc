# exit: 1
# stderr: bad.idx: not a Megatron index \(bad magic\)
cp "$DATA"/megatron/u16.bin bad.bin
echo 'definitely not an index file, but long enough for a header' > bad.idx
cn-shard from-megatron --vocab-size 100 bad
