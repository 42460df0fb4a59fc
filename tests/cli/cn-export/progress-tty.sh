# the progress line and the summary when forced as on a terminal; -q: neither
. "$TOP/tests/cli/cn-export/common.inc"
model m "$DATA/tok/tiny-spm.json" 650
CN_PROGRESS=1 cn-export gguf m -o m.gguf 2> err.txt
grep -q $'\r''cn-export: ' err.txt
grep -q 'cn-export: m.gguf: m, 21 tensors, .* MB, f16, in ' err.txt
cn-export gguf -q m -o m2.gguf 2> err2.txt
test ! -s err2.txt
