# chunk: the passages of cn-embed index (same ids, texts, bytes), without an
# encoder, as BEIR corpus lines; stdout or a file (zstd by .zst); the
# corpus indexed again keeps each passage whole under its _id; an empty
# document names its line and leaves no output; usage errors exit 2
. "$TOP/tests/cli/cn-embed/common.inc"
cn-embed index -q --threads 2 -m enc -o ix --chunk-chars 200 --overlap 20 $docs
cn-embed chunk -q --chunk-chars 200 --overlap 20 $docs > corpus.jsonl
cn-embed chunk -q --chunk-chars 200 --overlap 20 $docs -o corpus.jsonl.zst
zstd -dc corpus.jsonl.zst | cmp - corpus.jsonl
cn-embed index -q --threads 2 -m enc -o ix2 --chunk-chars 200 corpus.jsonl
/usr/bin/python3 - ix/passages.jsonl corpus.jsonl ix2/passages.jsonl <<'PY'
import json, sys
ix, co, ix2 = ([json.loads(l) for l in open(p, encoding="utf-8")] for p in sys.argv[1:])
assert len(ix) == len(co) == len(ix2) > 20, (len(ix), len(co), len(ix2))
for a, b, c in zip(ix, co, ix2):
    assert list(b) == ["_id", "text", "doc", "source", "start", "end"], list(b)
    assert (b["_id"], b["text"], b["doc"], b["source"], b["start"], b["end"]) == (a["id"], a["text"], a["doc"], a["source"], a["start"], a["end"])
    assert c["doc"] == b["_id"] and c["text"] == b["text"], (b["_id"], c["id"])
PY
printf '{"text": "a first document"}\n{"_id": "e", "text": "  \\n "}\n' > empty.jsonl
expect 1 cn-embed chunk -q empty.jsonl -o out.jsonl 2> err
grep -qx "cn-embed: empty.jsonl:2: an empty document" err
[ ! -e out.jsonl ]
expect 2 cn-embed chunk -q -o out.jsonl 2> err
grep -q "no documents" err
expect 2 cn-embed chunk -q --chunk-chars 100 --overlap 50 empty.jsonl 2> err
grep -q -- "--overlap: under half" err
