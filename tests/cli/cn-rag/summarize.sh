# summarize: a text longer than the prompt is summarised in levels (each
# record written back with "summary", "levels", "chunks" a level, "aliases"),
# the chunks shrinking to one; a short one in one level; long identifiers
# aliased (counted); the same bytes twice and through -o; sampling under
# --seed the same; misuse refused (2) and a text that --max-depth levels do
# not reduce, or a record without the field, refused with FILE:LINE (1)
. $TOP/tests/cli/cn-rag/common.inc
# common.inc's model with 256 positions
sed 's/"max_position_embeddings": 128/"max_position_embeddings": 256/' cfg.json > cfg256.json
cn-pretrain -q --threads 1 --config cfg256.json -t $DATA/tok/tiny-spm.json --out m256 --steps 10 --seq-len 32 data.tok
/usr/bin/python3 -c '
import json, sys
docs = [json.loads(l)["text"] for l in open(sys.argv[1])]
print(json.dumps({"id": "all", "text": "\n".join(docs)}))
print(json.dumps({"id": "short", "body": "x", "text": "A FIFO overflows at /home/user/projects/chip/rtl/fifo_async_gray.v:120 when wr_en stays high."}))' \
    $SAMPLES/docs/domain.jsonl > long.jsonl
S="cn-rag summarize -q -m m256 --template chipnemo --max-new-tokens 4 --max-depth 8"
$S long.jsonl > s1.jsonl
$S -o s2.jsonl < long.jsonl
cmp s1.jsonl s2.jsonl
$S --temperature 0.8 --seed 3 --style managerial long.jsonl > t1.jsonl
$S --temperature 0.8 --seed 3 --style managerial long.jsonl > t2.jsonl
cmp t1.jsonl t2.jsonl
/usr/bin/python3 - long.jsonl s1.jsonl <<'PY'
import json, sys
ins = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
assert [o["id"] for o in out] == ["all", "short"]
a, s = out
assert a["text"] == ins[0]["text"] and s["body"] == "x"
assert a["levels"] == len(a["chunks"]) >= 2, a["chunks"]
assert all(x > y for x, y in zip(a["chunks"], a["chunks"][1:])) and a["chunks"][-1] == 1, a["chunks"]
assert s["levels"] == 1 and s["chunks"] == [1] and s["aliases"] == 1
assert isinstance(a["summary"], str) and isinstance(s["summary"], str)
PY
expect 1 $S --max-depth 1 -o o.jsonl long.jsonl 2> err
grep -q 'long.jsonl:1: 1 levels of summaries still leave [0-9]* chunks' err
test ! -e o.jsonl
expect 1 $S --field body long.jsonl 2> err
grep -q 'long.jsonl:1: no "body" string (--field)' err
expect 2 $S --style lyrical long.jsonl 2> err
grep -q 'unknown style' err
expect 2 cn-rag chat -m m --max-depth 3 long.jsonl 2> err
grep -q "are summarize's" err
expect 2 $S --question hi long.jsonl 2> err
expect 2 $S --max-new-tokens 256 long.jsonl 2> err
grep -q 'leaves no room' err
