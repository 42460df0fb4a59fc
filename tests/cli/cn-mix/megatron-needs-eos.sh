# a Megatron dataset without a side file: which id ends its documents must be said
# exit: 2
# stderr: without a .cnmeta side file: say which end-of-document id its .bin holds
cp "$DATA"/megatron/u16.* .
cn-mix 1:u16 > out.tok
