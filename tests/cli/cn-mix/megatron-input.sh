# a Megatron prefix is an input like any shard stream
. "$TOP/tests/cli/lib.sh"
cp "$DATA"/megatron/u16.* .
cn-mix -q --vocab-size 65536 --eos none 1:u16 > out.tok
cn-shard dump out.tok | head -1 | grep -qx '{"ids": \[1, 2, 3\], "text_bytes": 0}'
