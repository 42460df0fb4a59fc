#!/usr/bin/env bash
# cn-embed's index and search against FAISS itself (Debian python3-faiss):
# faiss.read_index loads our index.faiss as an IndexFlatIP whose rows are
# the vectors `cn-embed encode --as passage` gives the passages' texts; for
# 100 queries (encoded by `cn-embed encode`) FAISS's top-10 are our search's,
# rank by rank, an exact tie in FAISS's own scores the only exception, and
# the scores agree within 1e-5.
set -euo pipefail
if ! /usr/bin/python3 -c 'import faiss' 2> /dev/null; then
    echo "python3-faiss missing: make deps installs it"
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
. "$TOP/tests/cli/cn-embed/common.inc"
cn-embed index -q --threads 2 -m enc -o ix --chunk-chars 120 --overlap 20 $docs
# 100 queries: lines of the documents, as a user might paste them
/usr/bin/python3 - $docs > queries.jsonl <<'PY'
import json, sys
lines = [l.strip() for f in sys.argv[1:] for d in open(f, encoding="utf-8") for l in json.loads(d)["text"].split("\n")]
lines = [l for l in lines if len(l) > 8][:100]
assert len(lines) == 100, len(lines)
for i, l in enumerate(lines):
    print(json.dumps({"_id": "q%d" % i, "text": l[:80]}))
PY
cn-embed search -q -i ix -k 10 queries.jsonl > ours.jsonl
cn-embed encode -q -m enc --prompt "query: " queries.jsonl -o q.npy
cn-embed encode -q -m enc --as passage ix/passages.jsonl -o p.npy
/usr/bin/python3 - ix ours.jsonl q.npy p.npy <<'PY'
import json, sys
import faiss, numpy as np
ix, ours, qf, pf = sys.argv[1:]
index = faiss.read_index(ix + "/index.faiss")
n = sum(1 for _ in open(ix + "/passages.jsonl"))
assert isinstance(index, faiss.IndexFlat) and index.metric_type == faiss.METRIC_INNER_PRODUCT and index.ntotal == n and index.d == 32, (type(index), index.ntotal)
rows = index.reconstruct_n(0, index.ntotal)
p = np.load(pf)
assert p.shape == rows.shape and np.array_equal(p, rows), "index rows are not the passages' vectors"
q = np.load(qf)
assert q.shape == (100, 32) and np.allclose(np.linalg.norm(q, axis=1), 1, atol=1e-5)
D, I = index.search(q, 10)
hits = {}
for l in open(ours):
    h = json.loads(l)
    hits.setdefault(h["query"], []).append(h)
ties = worst = 0
for qi in range(100):
    mine = hits["q%d" % qi]
    assert [h["rank"] for h in mine] == list(range(1, 11))
    for r in range(10):
        worst = max(worst, abs(mine[r]["score"] - D[qi, r]))
        if mine[r]["row"] != I[qi, r]:  # only where FAISS scores the two the same
            a = float(q[qi] @ rows[mine[r]["row"]]); b = float(q[qi] @ rows[I[qi, r]])
            assert a == b, (qi, r, mine[r]["row"], I[qi, r], a, b)
            ties += 1
assert worst <= 1e-5, worst
print("ok   FAISS %s: %d passages, 100 queries x top-10 equal (%d exact ties swapped), scores within %.1e" %
      (faiss.__version__, n, ties, worst))
PY
