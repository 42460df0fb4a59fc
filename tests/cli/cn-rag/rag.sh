# ask and chat --index: each question retrieves --passages passages of a
# cn-embed index with the index's encoder (the same rows as cn-embed search),
# numbered in the prompt in rank order; the lines carry the question, the
# answer, the passages (their number in the prompt, or null when they did
# not fit the 384 positions less --max-new-tokens), the citations; the same
# bytes to stdout and -o, and under --seed when sampling
. $TOP/tests/cli/cn-rag/common.inc
. $TOP/tests/cli/cn-embed/common.inc
# common.inc's model with 384 positions
sed 's/"max_position_embeddings": 128/"max_position_embeddings": 384/' cfg.json > cfg384.json
cn-pretrain -q --threads 1 --config cfg384.json -t $DATA/tok/tiny-spm.json --out m384 --steps 10 --seq-len 32 data.tok
rm -r m && mv m384 m
cn-embed index -q -m enc -o ix --chunk-chars 160 $docs 2> /dev/null
printf '%s\n' '{"question": "What does a two-flop synchronizer do?", "id": "q1"}' \
    '{"_id": "q2", "text": "What does yosys opt_clean remove?"}' '{"question": "setup and hold"}' > q.jsonl
cn-rag ask -q -m m --template chipnemo --index ix --max-new-tokens 16 q.jsonl > a.jsonl
cn-rag ask -q -m m --template chipnemo --index ix --max-new-tokens 16 -o a2.jsonl < q.jsonl
cmp a.jsonl a2.jsonl
cn-rag ask -q -m m --template chipnemo --index ix --max-new-tokens 16 --temperature 0.9 --seed 4 q.jsonl > s1.jsonl
cn-rag ask -q -m m --template chipnemo --index ix --max-new-tokens 16 --temperature 0.9 --seed 4 q.jsonl > s2.jsonl
cmp s1.jsonl s2.jsonl
# the rows cn-embed search ranks first for the same questions
/usr/bin/python3 -c '
import json, sys
for i, l in enumerate(open("q.jsonl")):
    d = json.loads(l)
    print(json.dumps({"_id": str(i), "text": d.get("question", d.get("text"))}))' > beir.jsonl
cn-embed search -q -i ix -k 4 --json beir.jsonl > ranked.jsonl
# more passages than fit: the prompt takes the best ones, the others are null
cn-rag ask -q -m m --template chipnemo --index ix --passages 12 --max-new-tokens 16 --question "clock domain crossing" > many.jsonl
/usr/bin/python3 - a.jsonl ranked.jsonl many.jsonl <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ranked = {}
for l in open(sys.argv[2]):
    h = json.loads(l)
    ranked.setdefault(int(h["query"]), []).append(h["row"])
assert [list(x)[:3] for x in lines] == [["id", "question", "answer"], ["id", "question", "answer"], ["question", "answer", "passages"]], lines
assert [x.get("id") for x in lines] == ["q1", "q2", None]
assert lines[1]["question"] == "What does yosys opt_clean remove?"
for i, x in enumerate(lines):
    assert isinstance(x["answer"], str)
    ps = x["passages"]
    assert [p["row"] for p in ps] == ranked[i], (ps, ranked[i])
    assert all(ps[j]["score"] >= ps[j + 1]["score"] for j in range(len(ps) - 1))
    ns = [p["n"] for p in ps if p["n"] is not None]
    assert ns == list(range(1, len(ns) + 1)), ns  # numbered in rank order
    assert all(set(p) == {"n", "id", "doc", "source", "row", "score", "cut"} for p in ps)
    assert set(x["cited"]) <= set(ns)
many = json.loads(open(sys.argv[3]).read())
ps = many["passages"]
assert len(ps) == 12
n = [p["n"] for p in ps]
k = sum(1 for v in n if v is not None)
assert 1 <= k < 12 and n[:k] == list(range(1, k + 1)) and all(v is None for v in n[k:]), n
PY
# chat --index: each conversation gains its answer and "rag"
printf '%s\n' '{"messages": [{"role": "user", "content": "What is metastability?"}], "id": "c1"}' > c.jsonl
cn-rag chat -q -m m --template chipnemo --index ix --passages 2 --max-new-tokens 16 c.jsonl > c-out.jsonl
/usr/bin/python3 - c.jsonl c-out.jsonl <<'PY'
import json, sys
i, o = json.loads(open(sys.argv[1]).read()), json.loads(open(sys.argv[2]).read())
assert o["id"] == "c1" and o["messages"][:-1] == i["messages"] and o["messages"][-1]["role"] == "assistant"
assert len(o["rag"]["passages"]) == 2 and o["rag"]["passages"][0]["n"] == 1
PY
# on a terminal: the chat says it retrieves, /sources lists the passages of
# the last answer ([n] score id (source)); ask --question streams the answer
# and lists them too
printf 'What is metastability?\n/sources\n\004' |
    script -qec "cn-rag chat -m m --template chipnemo --index ix --passages 2 --max-new-tokens 6" /dev/null > term.txt
grep -q 'passages from the index, /sources' term.txt
grep -Eq '\[1\] [0-9.]+ samples-[a-z]+:/[^ ]+ \(.*docs/[a-z]+\.jsonl:[0-9]+\)' term.txt
script -qec "cn-rag ask -m m --template chipnemo --index ix --passages 2 --max-new-tokens 6 --question 'What is a latch?'" /dev/null > ask.txt
grep -Eq '^\[1\] [0-9.]+ samples-' ask.txt
