# samples/beir.sh: the domain retrieval benchmark (BEIR's layout) from the
# corpora and mc-test of make corpus. The same bytes twice; every query has a
# relevant passage, and each relevant passage holds the answer and the
# subject's name (checked here in Python from the definition); the corpus is
# cn-embed chunk's and indexing it keeps each passage whole; each query has
# one of templates.txt's wordings. No leak into the retriever's training
# pairs as pipelines/retrieve.mk makes them: no positive holds a test answer
# or is a relevant passage, and no query has a test wording; the same check
# finds leaks in the pairs made without --exclude and the wording filter.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for f in domain-train domain-heldout mc-test; do
    [ -f "$SAMPLES/data/$f.jsonl.zst" ] || { echo "skipped: $SAMPLES/data/$f.jsonl.zst missing (make corpus)"; exit 0; }
done

# usage errors
rc=0; "$SAMPLES/beir.sh" >/dev/null 2>&1 || rc=$?; [ $rc = 2 ]
mkdir empty
rc=0; "$SAMPLES/beir.sh" empty 2>err || rc=$?; [ $rc = 1 ]
grep -q "empty/domain-train.jsonl.zst: no such file" err
[ ! -e empty/beir ]

# twice on the same paths (a passage's source names the file as given)
mkdir a
for f in domain-train domain-heldout mc-test; do ln -s "$SAMPLES/data/$f.jsonl.zst" "a/$f.jsonl.zst"; done
CN_EMBED=$BUILD/bin/cn-embed "$SAMPLES/beir.sh" a 2>/dev/null
mv a/beir first
CN_EMBED=$BUILD/bin/cn-embed "$SAMPLES/beir.sh" a 2>a.log
cat a.log
files="corpus.jsonl queries.jsonl qrels/test.tsv test-answers.jsonl templates.txt"
for f in $files; do cmp "first/$f" "a/beir/$f"; done
[ "$(cd a/beir && find . -type f | sort | tr '\n' ' ')" = "./corpus.jsonl ./qrels/test.tsv ./queries.jsonl ./templates.txt ./test-answers.jsonl " ]

# the corpus cut again at 512 characters: every passage whole (an index of it
# names each passage by its _id)
cn-embed chunk -q a/beir/corpus.jsonl -o again.jsonl
/usr/bin/python3 - a/beir/corpus.jsonl again.jsonl <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
b = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(a) == len(b) > 10000, (len(a), len(b))
for x, y in zip(a, b):
    assert y["doc"] == x["_id"] and y["text"] == x["text"], (x["_id"], y["_id"])
PY

# the pairs of pipelines/retrieve.mk, and the same without the exclusions
make -s -C "$TOP" -f pipelines/retrieve.mk BUILD="$BUILD" DATA="$work/a" W="$work/r" "$work/r/domain-pairs.jsonl"
cn-retrain pairs -q "$SAMPLES/data/domain-train.jsonl.zst" -o raw.jsonl
# the wording filter drops a query with a test wording
printf '{"query": "What is Yosys", "pos": ["a"]}\n{"query": "yosys opt", "pos": ["b"]}\n' > two.jsonl
"$TOP/pipelines/drop-queries.sh" a/beir/templates.txt < two.jsonl > one.jsonl 2>/dev/null
[ "$(cat one.jsonl)" = '{"query": "yosys opt", "pos": ["b"]}' ]

/usr/bin/python3 - a/beir r/domain-pairs.jsonl raw.jsonl <<'PY'
import collections, json, re, sys
beir, pairs, raw = sys.argv[1:]
load = lambda p: [json.loads(l) for l in open(p, encoding="utf-8")]
fold = lambda s: re.sub(r"\s+", "", s).translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))
corpus = {p["_id"]: p["text"] for p in load(beir + "/corpus.jsonl")}
queries = load(beir + "/queries.jsonl")
templates = [re.compile(t) for t in open(beir + "/templates.txt").read().split("\n") if t]
rel = collections.defaultdict(list)
lines = open(beir + "/qrels/test.tsv").read().split("\n")
assert lines[0] == "query-id\tcorpus-id\tscore" and lines[-1] == ""
for l in lines[1:-1]:
    q, c, s = l.split("\t")
    assert c in corpus and s == "1", l
    rel[q].append(c)
assert len(queries) >= 300, len(queries)
kinds = collections.Counter(q["metadata"]["kind"] for q in queries)
assert set(kinds) == {"yosys-cmd-what", "yosys-opt-what", "man-tool-what", "man-opt-what"}, kinds
answers = [fold(a["text"]) for a in load(beir + "/test-answers.jsonl")]
assert len(answers) == len(queries)
for q in queries:
    m = q["metadata"]
    assert rel[q["_id"]], q["_id"]
    assert sum(bool(t.search(q["text"])) for t in templates) >= 1, q["text"]
    # the subject's name: the option, else the command or tool (the last word of the subject)
    name = re.search(r"^what does (\S+) do in |^what does yosys (\S+) do$|^what is (.+)$", q["text"])
    name = fold(next(g for g in name.groups() if g))
    for c in rel[q["_id"]]:
        t = fold(corpus[c])
        assert fold(m["answer"]) in t and name in t, (q["_id"], c)
relevant = {fold(corpus[c]) for cs in rel.values() for c in cs}

def leaks(path):
    n = 0
    for p in load(path):
        qt, pos = p["query"].lower(), fold(p["pos"][0])
        bad = any(t.search(qt) for t in templates) or pos in relevant or any(a in pos for a in answers)
        n += bad
    return n
kept, leaked = leaks(pairs), leaks(raw)
print(f"beir: {len(queries)} queries {dict(kinds)}, {sum(map(len, rel.values()))} judgements; "
      f"pairs: {kept} leaks in {len(load(pairs))}; without the exclusions {leaked} in {len(load(raw))}")
assert kept == 0 and leaked > 0
PY
