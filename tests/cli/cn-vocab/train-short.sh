# a --vocab-size the documents cannot reach: the smaller tokenizer, as HF's
# trainer makes it, and a warning (with -q too) that names its size; none
# where the size is reached
. "$TOP/tests/cli/lib.sh"
for i in 1 2 3 4 5 6 7 8 9 10; do echo '{"text": "the cat sat on the mat; the dog sat on the log"}'; done > in.jsonl
cn-vocab train -q --type byte-bpe --vocab-size 5000 in.jsonl -o a.json 2> err
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["model"]["vocab"]))' a.json)
[ "$n" -lt 5000 ]
grep -q "^cn-vocab: warning: a.json: $n tokens, not the 5000 asked: no pair is left to merge" err
cn-vocab train -q --type byte-bpe --vocab-size 270 in.jsonl -o b.json 2> err
[ ! -s err ]
