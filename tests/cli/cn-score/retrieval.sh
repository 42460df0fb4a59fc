# cn-score retrieval: hit@k, recall@k, mrr@10 and ndcg@10 on hand-worked
# cases (ties to the higher document id, a document's passages as one, a
# judged query without results scoring 0, unjudged queries left out), then
# on random runs against a scorer written here in Python from the
# definitions; the bootstrap interval is seeded; --compare gives B - A with
# a paired p; bad qrels name their line
. "$TOP/tests/cli/lib.sh"
printf 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq2\td3\t1\nq3\td9\t0\n' > qrels.tsv
cat > a.jsonl <<'EOF2'
{"query": "q1", "rank": 1, "doc": "d5", "score": 0.9}
{"query": "q1", "rank": 2, "doc": "d1", "score": 0.8}
{"query": "q1", "rank": 3, "doc": "d2", "score": 0.8}
{"query": "q1", "rank": 4, "doc": "d2", "score": 0.3}
{"query": "q1", "rank": 5, "doc": "d7", "score": 0.1}
{"query": "q4", "rank": 1, "doc": "d1", "score": 0.5}
EOF2
cn-score retrieval --qrels qrels.tsv -k 1,3 --details det.jsonl a.jsonl > out.jsonl 2> err
grep -qx "cn-score: a.jsonl: 1 of 2 judged queries have no result (scored 0)" err
grep -qx "cn-score: a.jsonl: 1 queries not in qrels.tsv (left out)" err
/usr/bin/python3 - out.jsonl det.jsonl <<'PY'
import json, math, sys
got = {o["metric"]: o for o in map(json.loads, open(sys.argv[1]))}
# q1 ranks d5, d2 (the tie to the higher id), d1, d7; q2 has none
ndcg = (2 / math.log2(3) + 1 / math.log2(4)) / (2 + 1 / math.log2(3))
want = {"hit@1": 0, "hit@3": 0.5, "recall@1": 0, "recall@3": 0.5, "mrr@10": 0.25, "ndcg@10": ndcg / 2}
assert set(got) == set(want), got.keys()
for m, v in want.items():
    assert abs(got[m]["value"] - v) < 1e-12 and got[m]["n"] == 2 and got[m]["task"] == "retrieval", (m, got[m])
    lo, hi = got[m]["ci95"]
    assert lo <= got[m]["value"] <= hi, got[m]
det = [json.loads(l) for l in open(sys.argv[2])]
assert [d["query"] for d in det] == ["q1", "q2"] and det[0]["mrr@10"] == 0.5 and det[1]["ndcg@10"] == 0, det
PY
# random runs against the definitions
/usr/bin/python3 - <<'PY'
import json, random
r = random.Random(5)
with open("q.tsv", "w") as f, open("r.jsonl", "w") as g, open("r2.jsonl", "w") as h:
    f.write("query-id\tcorpus-id\tscore\n")
    for q in range(60):
        for d in r.sample(range(40), r.randint(1, 5)):
            f.write("q%d\tdoc%02d\t%d\n" % (q, d, r.choice([0, 1, 1, 2, 3])))
        for out in (g, h):
            for d in r.sample(range(40), r.randint(0, 25)):
                out.write(json.dumps({"query": "q%d" % q, "doc": "doc%02d" % d, "score": r.choice([0.5, 0.25, r.random()])}) + "\n")
PY
cn-score retrieval -r q.tsv --details d.jsonl r.jsonl > r.out 2> /dev/null
/usr/bin/python3 - q.tsv r.jsonl d.jsonl <<'PY'
import json, math, sys
qrels, run = {}, {}
for line in list(open(sys.argv[1]))[1:]:
    q, d, s = line.split("\t")
    qrels.setdefault(q, {})[d] = int(s)
for line in open(sys.argv[2]):
    o = json.loads(line)
    run.setdefault(o["query"], {})
    run[o["query"]][o["doc"]] = max(o["score"], run[o["query"]].get(o["doc"], -1e9))
mine = {o["query"]: o for o in map(json.loads, open(sys.argv[3]))}
judged = sorted(q for q in qrels if any(v > 0 for v in qrels[q].values()))
assert sorted(mine) == judged
for q in judged:
    rel = {d: g for d, g in qrels[q].items() if g > 0}
    ranked = [d for d, _ in sorted(run.get(q, {}).items(), key=lambda x: (x[1], x[0]), reverse=True)]
    want = {}
    for k in (1, 3, 5, 8, 10):
        want["hit@%d" % k] = float(any(d in rel for d in ranked[:k]))
        want["recall@%d" % k] = sum(d in rel for d in ranked[:k]) / len(rel)
    first = [i for i, d in enumerate(ranked[:10]) if d in rel]
    want["mrr@10"] = 1 / (first[0] + 1) if first else 0
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(rel.values(), reverse=True)[:10]))
    want["ndcg@10"] = dcg / idcg
    for m, v in want.items():
        assert abs(mine[q][m] - v) < 1e-12, (q, m, mine[q][m], v)
print("ok")
PY
# seeded: the same intervals again; another seed, others
cn-score retrieval -r q.tsv r.jsonl > again.out 2> /dev/null
cmp r.out again.out
cn-score retrieval -r q.tsv --seed 9 r.jsonl > seed9.out 2> /dev/null
cmp -s r.out seed9.out || echo differs > diff.txt
grep -qx differs diff.txt
# B against A: B - A with its interval and p; A against itself: 0 and p 1
cn-score retrieval -r q.tsv --compare r2.jsonl r.jsonl > cmp.out 2> /dev/null
cn-score retrieval -r q.tsv --compare r.jsonl r.jsonl > self.out 2> /dev/null
/usr/bin/python3 - cmp.out self.out <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
a = {o["metric"]: o["value"] for o in rows if o["model"] == "r.jsonl" and "versus" not in o}
b = {o["metric"]: o["value"] for o in rows if o["model"] == "r2.jsonl" and "versus" not in o}
d = {o["metric"]: o for o in rows if "versus" in o}
assert len(d) == 12 and all(o["versus"] == "r.jsonl" for o in d.values())
for m, o in d.items():
    assert abs(o["value"] - (b[m] - a[m])) < 1e-12 and 0 <= o["p"] <= 1 and o["ci95"][0] <= o["value"] <= o["ci95"][1], o
same = [json.loads(l) for l in open(sys.argv[2]) if "versus" in l]
assert all(o["value"] == 0 and o["p"] == 1 for o in same), same
PY
# bad judgements name their line; an option of another command is refused
printf 'query-id\tcorpus-id\tscore\nq1\td1\tyes\n' > bad.tsv
expect 1 cn-score retrieval -r bad.tsv a.jsonl -o x.jsonl 2> err
grep -qx "cn-score: bad.tsv:2: a grade that is not an integer ('yes')" err
[ ! -e x.jsonl ]
printf 'q1 d1 1\n' > spaces.tsv
expect 1 cn-score retrieval -r spaces.tsv a.jsonl 2> err
grep -qx "cn-score: spaces.tsv:1: not query-id, corpus-id and score separated by tabs" err
printf '{"query": "q1", "doc": "d1"}\n' > noscore.jsonl
expect 1 cn-score retrieval -r qrels.tsv noscore.jsonl 2> err
grep -qx "cn-score: noscore.jsonl:1: 'score' missing or not a number" err
expect 2 cn-score retrieval -r qrels.tsv --shots 3 a.jsonl 2> err
expect 2 cn-score retrieval -r qrels.tsv -k 0 a.jsonl 2> err
