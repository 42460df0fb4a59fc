# index: the documents cut into passages (each within --chunk-chars, ids
# DOC#K, byte offsets into the document), encoded, written as index.faiss,
# passages.jsonl and meta.json; the same run gives the same bytes; search
# finds a passage by its own text best, ranks by score, and writes every
# field; a second index refuses to replace the first without --overwrite
. $TOP/tests/cli/cn-embed/common.inc
cn-embed index -q --threads 2 -m enc -o ix --chunk-chars 200 $docs
test -s ix/index.faiss && test -s ix/passages.jsonl && test -s ix/meta.json
n=$(wc -l < ix/passages.jsonl)
[ "$n" -gt 60 ]
/usr/bin/python3 - ix $n $SAMPLES/docs/domain.jsonl $SAMPLES/docs/general.jsonl <<'PY'
import json, sys
ix, n, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
meta = json.load(open(ix + "/meta.json"))
assert meta["count"] == n and meta["dim"] == 32 and meta["pooling"] == "mean" and meta["normalize"] is True, meta
assert meta["query_prompt"] == "query: " and meta["passage_prompt"] == "passage: " and meta["chunk_chars"] == 200, meta
assert len(meta["encoder_sha256"]) == 64 and len(meta["tokenizer_sha256"]) == 64
docs = {}
for f in files:
    for i, line in enumerate(open(f, encoding="utf-8")):
        d = json.loads(line)
        docs[d.get("_id", d.get("id", "%s:%d" % (f, i + 1)))] = d["text"].encode()
seen, rows = {}, [json.loads(l) for l in open(ix + "/passages.jsonl", encoding="utf-8")]
for r in rows:
    k = seen.setdefault(r["doc"], 0)
    assert r["id"] == "%s#%d" % (r["doc"], k), r["id"]
    seen[r["doc"]] = k + 1
    assert docs[r["doc"]][r["start"]:r["end"]].decode() == r["text"], r["id"]
    assert 0 < len(r["text"]) <= 200 and r["text"] == r["text"].strip(), r["id"]
assert set(seen) == set(docs), "every document has passages"
PY
# the same run: the same bytes
cn-embed index -q --threads 2 -m enc -o ix2 --chunk-chars 200 $docs
cmp ix/index.faiss ix2/index.faiss && cmp ix/passages.jsonl ix2/passages.jsonl && cmp ix/meta.json ix2/meta.json
# a passage's own text, searched for with the passage prompt as the query's, comes first
sed -n 5p ix/passages.jsonl > p5.jsonl
cn-embed index -q -m enc -o ixq --query-prompt "passage: " --chunk-chars 200 $docs
cn-embed search -i ixq -k 3 p5.jsonl > hits.jsonl
[ "$(wc -l < hits.jsonl)" = 3 ]
/usr/bin/python3 - hits.jsonl p5.jsonl <<'PY'
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
want = json.loads(open(sys.argv[2]).read())
assert hits[0]["row"] == 4 and hits[0]["id"] == want["id"] and hits[0]["text"] == want["text"], hits[0]
assert abs(hits[0]["score"] - 1) < 1e-5, hits[0]["score"]
assert [h["rank"] for h in hits] == [1, 2, 3] and hits[0]["score"] >= hits[1]["score"] >= hits[2]["score"]
assert all(set(h) == {"query", "rank", "id", "row", "doc", "score", "text"} for h in hits)
assert hits[0]["query"] == want["id"]  # the query's id: its "id" field
PY
# one --query, as a table
cn-embed search -i ix --query "two-flop synchronizer" -k 2 --table > table.txt
[ "$(wc -l < table.txt)" = 2 ]
# an index is not replaced without --overwrite
expect 1 cn-embed index -q -m enc -o ix $docs 2> err
grep -qx "cn-embed: ix: holds an index: give --overwrite to replace it" err
cn-embed index -q -m enc -o ix --overwrite --chunk-chars 300 $docs
grep -q '"chunk_chars":	300' ix/meta.json
