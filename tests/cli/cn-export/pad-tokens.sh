# an embedding padded past the tokenizer (660 rows, 650 tokens): the rows
# beyond are [PADn] tokens, as llama.cpp's converter writes them
. "$TOP/tests/cli/cn-export/common.inc"
model m "$DATA/tok/tiny-spm.json" 660
cn-export gguf -q m -o m.gguf
grep -q -a '\[PAD650\]' m.gguf
grep -q -a '\[PAD659\]' m.gguf
if grep -q -a '\[PAD649\]\|\[PAD660\]' m.gguf; then exit 1; fi
