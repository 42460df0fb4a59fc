# ids that the header's vocabulary cannot hold (the record CRC is right)
# stderr: token id 900 \(position 0\) >= vocab_size 500
. "$TOP/tests/cli/lib.sh"
printf '{"ids": [900, 2]}\n' > big.jsonl
cn-shard pack --vocab-size 1000 -o big.tok big.jsonl
# rewrite vocab_size (offset 12) from 1000 to 500; the header has no CRC of its own
printf '\xf4\x01\x00\x00' | dd of=big.tok bs=1 seek=12 conv=notrunc status=none
expect 1 cn-mix 1:big.tok > out.tok
