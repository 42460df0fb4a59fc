# a BERT encoder is not a model of llama.cpp's llama architecture: refused
# with a one-line message naming it, nothing written
. "$TOP/tests/cli/cn-export/common.inc"
model b "$DATA/tok/tiny-bert.json" 0 "$DATA/model/bert-small.json"
expect 1 cn-export gguf b -o b.gguf 2> err.txt
grep -q '^cn-export: BertModel: not exported: only LLaMA-class' err.txt
[ "$(wc -l < err.txt)" = 1 ]
test ! -e b.gguf
