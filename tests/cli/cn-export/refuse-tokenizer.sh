# a tokenizer llama.cpp would tokenize differently is refused, naming what:
# WordPiece; a normalizer it does not apply (NFKC before byte-level BPE)
. "$TOP/tests/cli/cn-export/common.inc"
model w "$DATA/tok/tiny-bert.json" 700
expect 1 cn-export gguf w -o w.gguf 2> err.txt
grep -q 'WordPiece' err.txt
test ! -e w.gguf
/usr/bin/python3 - "$DATA/tok/tiny-gpt2.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["normalizer"] = {"type": "NFKC"}
json.dump(t, open("nfkc.json", "w"))
PY
model n nfkc.json 1000
expect 1 cn-export gguf n -o n.gguf 2> err.txt
grep -q 'normalizer' err.txt
test ! -e n.gguf
