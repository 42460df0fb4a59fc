# usage errors exit 2 and write nothing: no command, another command, no
# model or two, no -o, an unknown type or option
. "$TOP/tests/cli/cn-export/common.inc"
model m "$DATA/tok/tiny-spm.json" 650
expect 2 cn-export
expect 2 cn-export ggml m -o x.gguf
expect 2 cn-export gguf -o x.gguf
expect 2 cn-export gguf m m -o x.gguf
expect 2 cn-export gguf m
expect 2 cn-export gguf m -o x.gguf --type q4_0 2> err.txt
grep -q "f32, f16, bf16 or q8_0" err.txt
expect 2 cn-export gguf m -o x.gguf --bogus
test ! -e x.gguf
