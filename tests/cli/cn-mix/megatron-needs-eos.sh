# a Megatron dataset without a side file: which id ends its documents must be said
# stderr: without a .cnmeta side file: say which end-of-document id its .bin holds
. "$TOP/tests/cli/lib.sh"
cp "$DATA"/megatron/u16.* .
expect 2 cn-mix 1:u16 > out.tok
