# gen: exact_match, token_f1 and rouge_l of generated answers (cn-rag ask's
# "answer" or a chat record's last message) against one or several
# references, each the best over them: hand-worked cases, then 300 random
# answers against a scorer written here in Python from the definitions
# (rouge-score's words: ASCII lowercase, runs outside [a-z0-9] split; SQuAD's
# token F1; ROUGE-L the LCS F-measure, an empty side 0); the means with a
# bootstrap interval that holds them; bad records refused with FILE:LINE
. "$TOP/tests/cli/lib.sh"
cat > hand.jsonl <<'J'
{"answer": "The cat sat on the mat.", "reference": "the cat is on the mat"}
{"answer": "", "reference": "x"}
{"answer": "!!!", "reference": ""}
{"answer": "Two-flop synchronizer", "reference": ["a two flop synchronizer", "two-flop  SYNCHRONIZER"]}
{"answer": "a b c d", "reference": "d c b a"}
{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "Caf\u00e9 r\u00e9sum\u00e9"}], "reference": "caf r sum"}
J
cn-score gen -q --details hand-d.jsonl hand.jsonl > hand-out.jsonl
/usr/bin/python3 - hand-d.jsonl hand-out.jsonl <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
want = [(0, 5 / 6, 5 / 6), (0, 0, 0), (1, 1, 0), (1, 1, 1), (0, 1, 0.25), (1, 1, 1)]
for x, (em, f1, rl) in zip(d, want):
    assert (x["exact_match"], round(x["token_f1"], 12), round(x["rouge_l"], 12)) == (em, round(f1, 12), round(rl, 12)), x
assert [x["line"] for x in d] == [1, 2, 3, 4, 5, 6]
out = [json.loads(l) for l in open(sys.argv[2])]
assert [o["metric"] for o in out] == ["exact_match", "token_f1", "rouge_l"]
for o, k in zip(out, range(3)):
    mean = sum(w[k] for w in want) / len(want)
    assert abs(o["value"] - mean) < 1e-12 and o["n"] == 6 and o["task"] == "gen", (o, mean)
    assert o["ci95"][0] <= o["value"] <= o["ci95"][1]
PY
# random answers against the definitions
/usr/bin/python3 - <<'PY' > rand.jsonl
import json, random
random.seed(5)
vocab = ["clock", "Clock", "domain", "flop", "a", "the", "x1", "opt_clean", "set-up", "hold.", "m\u00e9ta", "42", ",", "!!", ""]
def text():
    return " ".join(random.choice(vocab) for _ in range(random.randint(0, 9)))
for i in range(300):
    refs = [text() for _ in range(random.randint(1, 3))]
    print(json.dumps({"answer": text(), "reference": refs if len(refs) > 1 or random.random() < 0.5 else refs[0]}))
PY
cn-score gen -q --details rand-d.jsonl rand.jsonl -o rand-out.jsonl
/usr/bin/python3 - rand.jsonl rand-d.jsonl <<'PY'
import json, re, string, sys
from collections import Counter
low = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
def words(s):
    return re.sub(r"[^a-z0-9]+", " ", s.translate(low)).split()
def lcs(a, b):
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a)):
        for j in range(len(b)):
            t[i + 1][j + 1] = t[i][j] + 1 if a[i] == b[j] else max(t[i][j + 1], t[i + 1][j])
    return t[len(a)][len(b)]
def score(a, r):
    a, r = words(a), words(r)
    em = float(a == r)
    if not a or not r:
        f1 = float(a == r)
        rl = 0.0
    else:
        k = sum((Counter(a) & Counter(r)).values())
        p, q = k / len(a), k / len(r)
        f1 = 2 * p * q / (p + q) if k else 0.0
        l = lcs(a, r)
        p, q = l / len(a), l / len(r)
        rl = 2 * p * q / (p + q) if l else 0.0
    return em, f1, rl
got = [json.loads(l) for l in open(sys.argv[2])]
n = 0
for x, l in zip(got, open(sys.argv[1])):
    rec = json.loads(l)
    refs = rec["reference"] if isinstance(rec["reference"], list) else [rec["reference"]]
    s = [score(rec["answer"], r) for r in refs]
    want = [max(v[k] for v in s) for k in range(3)]
    mine = [x["exact_match"], x["token_f1"], x["rouge_l"]]
    assert all(abs(u - w) < 1e-12 for u, w in zip(mine, want)), (rec, mine, want)
    n += 1
assert n == 300
PY
cn-score gen -q --details rand-d2.jsonl rand.jsonl > rand-out2.jsonl
cmp rand-out.jsonl rand-out2.jsonl
cmp rand-d.jsonl rand-d2.jsonl
# bad records
printf '{"answer": "x"}\n' > noref.jsonl
expect 1 cn-score gen -o o.jsonl hand.jsonl noref.jsonl 2> err
grep -q '^cn-score: noref.jsonl:1: no "reference"' err
test ! -e o.jsonl
printf '{"answer": "x", "reference": "x"}\n{"reference": "x", "messages": [{"role": "user", "content": "q"}]}\n' > noans.jsonl
expect 1 cn-score gen noans.jsonl 2> err
grep -q '^cn-score: noans.jsonl:2: no answer' err
printf '{"answer": "x", "reference": ["x", 3]}\n' > badref.jsonl
expect 1 cn-score gen badref.jsonl 2> err
grep -q 'badref.jsonl:1: a reference that is not a string' err
: > empty.jsonl
expect 1 cn-score gen empty.jsonl 2> err
grep -q 'empty.jsonl: no answers' err
expect 2 cn-score gen 2> err
expect 2 cn-score gen --bootstrap 0 hand.jsonl 2> err
