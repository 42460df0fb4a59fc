# a tokenizer llama.cpp would tokenize differently is refused, naming what:
# WordPiece; a normalizer it does not apply (NFKC before byte-level BPE, and
# beside SentencePiece-style BPE's space marks)
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
/usr/bin/python3 - "$DATA/tok/tiny-spm.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["normalizer"]["normalizers"].append({"type": "NFKC"})
json.dump(t, open("spm-nfkc.json", "w"))
PY
model s spm-nfkc.json 650
expect 1 cn-export gguf s -o s.gguf 2> err.txt
grep -q "a normalizer llama.cpp's llama tokenizer does not apply" err.txt
test ! -e s.gguf
