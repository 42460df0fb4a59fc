# a GGUF file carries its tokenizer: a directory without tokenizer.json is
# refused, naming it
. "$TOP/tests/cli/cn-export/common.inc"
model m "" 650
expect 1 cn-export gguf m -o m.gguf 2> err.txt
grep -q 'm/tokenizer.json' err.txt
test ! -e m.gguf
