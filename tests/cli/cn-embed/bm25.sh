# search --bm25 ranks an index's passages by Okapi BM25 as Lucene scores it
# (k1 0.9, b 0.4 by default; N and the mean length over the passages with a
# word, Lucene's docCount): the scores and ranks of a scorer written here
# in Python from the formula, for every query, ties to the lower row; only
# passages sharing a word; words split at Unicode punctuation and spaces (en
# dash, curly quotes, no-break space) as at ASCII ones; the encoder's options
# are refused with it and BM25's without it
. $TOP/tests/cli/cn-embed/common.inc
printf '%s\n' '{"_id": "punct", "text": "--- *** \u2014 \u00ab\u00bb ---"}' > punct.jsonl  # a passage without a word
# words joined by an en dash, curly quotes and a no-break space
printf '%s\n' '{"_id": "typo", "text": "setup\u2013hold \u201cmetastability\u201d\u00a0window"}' >> punct.jsonl
cn-embed index -q -m enc -o ix --chunk-chars 160 $docs punct.jsonl
printf '%s\n' '{"_id": "a", "text": "Two-flop synchronizer: CLOCK domain crossing"}' '{"_id": "b", "text": "the the the of"}' \
    '{"_id": "c", "text": "yosys opt_clean removes unused cells"}' '{"_id": "d", "text": "zzzz qqqq"}' \
    '{"_id": "e", "text": "caf\u00e9 r\u00e9sum\u00e9 setup hold setup"}' '{"_id": "f", "text": "\u2018metastability\u2019 window"}' > q.jsonl
# check RESULTS K1 B: the ranks and scores of the formula
check() {
/usr/bin/python3 - ix/passages.jsonl q.jsonl "$@" <<'PY'
import json, math, re, sys
from collections import Counter
pf, qf, of, k1, b = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
# word characters: ASCII letters, digits, '_'; any other character but
# Latin-1's punctuation and symbols, U+2000-206F, U+3000-303F, the full-width
# ASCII punctuation and U+FEFF
wc = ("0-9A-Za-z_\u00aa\u00b2\u00b3\u00b5\u00b9\u00ba\u00bc-\u00be\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff"
      "\u2070-\u2fff\u3040-\ufefe\uff00\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff66-\U0010ffff")
words = lambda s: [w.lower().encode() for w in re.findall("[" + wc + "]+", s)]
docs = [Counter(words(json.loads(l)["text"])) for l in open(pf, encoding="utf-8")]
dl = [sum(d.values()) for d in docs]
# Lucene's docCount: the passages with a word (the one without counts in neither N nor the mean)
N = sum(1 for x in dl if x)
avg = sum(dl) / N
assert N == len(docs) - 1
df = Counter(w for d in docs for w in d)
got = {}
for l in open(of):
    h = json.loads(l)
    got.setdefault(h["query"], []).append((h["row"], h["score"]))
for l in open(qf, encoding="utf-8"):
    q = json.loads(l)
    qw = Counter(words(q["text"]))
    s = {}
    for w, c in qw.items():
        idf = math.log(1 + (N - df[w] + 0.5) / (df[w] + 0.5))
        for i, d in enumerate(docs):
            if w in d:
                s[i] = s.get(i, 0) + c * idf * d[w] / (d[w] + k1 * (1 - b + b * dl[i] / avg))
    want = sorted(s.items(), key=lambda x: (-x[1], x[0]))[:8]
    mine = got.get(q["_id"], [])
    assert len(mine) == len(want), (q["_id"], len(mine), len(want))
    for (r, sc), (wr, ws) in zip(mine, want):
        assert abs(sc - ws) <= 1e-5 * max(1, ws), (q["_id"], r, sc, wr, ws)
        assert r == wr or abs(s[r] - ws) <= 1e-6 * ws, (q["_id"], r, wr)
PY
}
cn-embed search -i ix --bm25 -k 8 q.jsonl > ours.jsonl
check ours.jsonl 0.9 0.4
cn-embed search -i ix --bm25 --k1 1.2 --b 0.75 -k 8 q.jsonl > ours2.jsonl
check ours2.jsonl 1.2 0.75
# no word shared: no result
awk '/"query": "d"/ { n++ } END { exit n > 0 }' ours.jsonl
awk '/"query": "a"/ { n++ } END { exit n != 8 }' ours.jsonl
# the passage of curly-quoted words first for them, and only it
grep '"query": "f"' ours.jsonl > f.jsonl
test "$(wc -l < f.jsonl)" = 1
grep -q '"rank": 1, "id": "typo' f.jsonl
expect 2 cn-embed search -i ix --bm25 -m enc --query x 2> err
grep -q "no --model, --batch or --device" err
expect 2 cn-embed search -i ix --k1 1.2 --query x 2> err
grep -q "give --bm25 with them" err
