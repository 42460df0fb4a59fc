# a tokenizer with ids beyond the embedding is refused before anything is
# written; an earlier file of that name stays as it was
. "$TOP/tests/cli/cn-export/common.inc"
model m "$DATA/tok/tiny-spm.json" 600
echo old > m.gguf
expect 1 cn-export gguf m -o m.gguf 2> err.txt
grep -q '^cn-export: .*tokenizer.json: .*beyond the 600 embedding rows' err.txt
[ "$(cat m.gguf)" = old ]
