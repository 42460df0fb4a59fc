# --lora DIR without an adapter: refused, naming adapter_config.json
. "$TOP/tests/cli/cn-export/common.inc"
model m "$DATA/tok/tiny-spm.json" 650
mkdir empty
expect 1 cn-export gguf m --lora empty -o a.gguf 2> err.txt
grep -q 'empty/adapter_config.json' err.txt
test ! -e a.gguf
