# cn-retrain pairs: the five layouts, and a command reference as PDF text
# sets it, give the pairs worked out by hand; the
# hard negatives are those the definition gives (PyTorch, float64 scores on
# the vectors cn-embed encode gives for the same texts), the same bytes with
# 1 and 2 threads; --exclude and --max-pairs drop what they say; options of
# the miner without --miner are usage errors
. $TOP/tests/cli/cn-embed/common.inc
/usr/bin/python3 - > layout.jsonl <<'PY'
import json
docs = [
    "Fast Synthesis Notes\n\nThis guide shows how a netlist is made from RTL in a few steps.\n",
    "Timing closure\n==============\n\nSlack is the margin between the required and the arrival time of a path.\n",
    "NAME\n       sta - static timing analyser for gate netlists\n\nOPTIONS\n"
    "       -exit  Exit after the command file is read and run.\n"
    "       -threads count\n              Use count threads for the path search of each check.\n",
    "Commands\n\n    opt_clean [options] [selection]\n\n    This pass removes unused cells and wires from the selected design.\n",
    "x = 1\n# compute the parity of the eight data bits\np = 0\nfor b in bits:\n    p ^= b\n",
]
for i, t in enumerate(docs):
    print(json.dumps({"_id": "d%d" % i, "text": t}))
PY
cn-retrain pairs -q layout.jsonl -o lay.jsonl
/usr/bin/python3 - lay.jsonl <<'PY'
import json, sys
got = [(r["kind"], r["query"], r["pos"][0], r["neg"], r["source"]) for r in map(json.loads, open(sys.argv[1]))]
want = [
    ("title", "Fast Synthesis Notes", "This guide shows how a netlist is made from RTL in a few steps.", [], "layout.jsonl:1+2"),
    ("heading", "Timing closure", "Slack is the margin between the required and the arrival time of a path.", [], "layout.jsonl:2+3"),
    ("option", "sta -exit", "-exit  Exit after the command file is read and run.", [], "layout.jsonl:3+4"),
    ("option", "sta -threads count", "-threads count\n              Use count threads for the path search of each check.", [], "layout.jsonl:3+5"),
    ("command", "opt_clean [options] [selection]", "This pass removes unused cells and wires from the selected design.", [], "layout.jsonl:4+4"),
    ("comment", "compute the parity of the eight data bits", "p = 0\nfor b in bits:\n    p ^= b", [], "layout.jsonl:5+2"),
]
assert got == want, "\n".join(map(repr, got))
PY
# a command reference as PDF text sets it: "name – what it does" at the margin,
# options at the margin ("- name" with a space after the dash) with their text
# below; margin lines after another heading are prose again
/usr/bin/python3 - > ref.jsonl <<'PY'
import json
t = ("C.77\n\nfsm_export \u2013 exporting FSMs to KISS2 files\n\nfsm_export [ - noauto ] [ - o filename ]\n"
     "This pass creates a KISS2 file for every selected FSM.\n- noauto\nonly export FSMs that have the attribute set\n"
     "-o filename\nfilename of the first exported FSM\n\nNotes\n=====\n\n- first a list item at the margin\nand its second line of prose\n")
print(json.dumps({"_id": "r", "text": t}))
PY
cn-retrain pairs -q ref.jsonl -o ref-pairs.jsonl
/usr/bin/python3 - ref-pairs.jsonl <<'PY'
import json, sys
got = [(r["kind"], r["query"], r["pos"][0], r["source"]) for r in map(json.loads, open(sys.argv[1], encoding="utf-8"))]
want = [
    ("heading", "fsm_export \u2013 exporting FSMs to KISS2 files",
     "fsm_export [ - noauto ] [ - o filename ]\nThis pass creates a KISS2 file for every selected FSM.\n- noauto\n"
     "only export FSMs that have the attribute set\n-o filename\nfilename of the first exported FSM", "ref.jsonl:1+4"),
    ("option", "fsm_export -noauto", "- noauto\nonly export FSMs that have the attribute set", "ref.jsonl:1+6"),
    ("option", "fsm_export -o filename", "-o filename\nfilename of the first exported FSM", "ref.jsonl:1+8"),
    ("heading", "Notes", "- first a list item at the margin\nand its second line of prose", "ref.jsonl:1+14"),
]
assert got == want, "\n".join(map(repr, got))
PY
# mined: 1 and 2 threads give the same bytes; the negatives are the definition's
docs2="$SAMPLES/docs/domain.jsonl $SAMPLES/docs/general.jsonl layout.jsonl"
cn-retrain pairs -q --threads 1 --miner enc --num-negatives 2 --range-min 1 --range-max 6 --relative-margin none $docs2 -o m1.jsonl
cn-retrain pairs -q --threads 2 --miner enc --num-negatives 2 --range-min 1 --range-max 6 --relative-margin none $docs2 -o m2.jsonl
cmp m1.jsonl m2.jsonl
cn-retrain pairs -q --threads 2 --miner enc --num-negatives 2 --range-max 8 --relative-margin 0.0002 --no-fill $docs2 -o g1.jsonl
cn-retrain pairs -q --threads 1 --miner enc --num-negatives 2 --range-max 8 --relative-margin 0.0002 --no-fill $docs2 -o g2.jsonl
cmp g1.jsonl g2.jsonl
cn-retrain pairs -q $docs2 -o plain.jsonl
# the candidates (distinct positives, first seen first) and the queries, encoded by cn-embed in the miner's order
/usr/bin/python3 - plain.jsonl <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
seen, cands, qs = set(), [], []
for r in rows:
    if r["pos"][0] not in seen: seen.add(r["pos"][0]); cands.append(r["pos"][0])
    if r["query"] not in qs: qs.append(r["query"])
with open("cands.jsonl", "w") as f:
    for c in cands: f.write(json.dumps({"text": c}) + "\n")
with open("queries.jsonl", "w") as f:
    for q in qs: f.write(json.dumps({"text": q}) + "\n")
PY
cn-embed encode -q --threads 1 -m enc --as passage cands.jsonl -o cands.npy
cn-embed encode -q --threads 1 -m enc --as query queries.jsonl -o queries.npy
/usr/bin/python3 - plain.jsonl m1.jsonl g1.jsonl <<'PY'
import json, struct, sys, torch
def npy(path):
    b = open(path, "rb").read()
    hl = struct.unpack("<H", b[8:10])[0]
    shape = eval(b[10:10 + hl].decode("latin1"))["shape"]
    return torch.frombuffer(bytearray(b[10 + hl:]), dtype=torch.float32).reshape(shape).double()
C, Q = npy("cands.npy"), npy("queries.npy")
plain = [json.loads(l) for l in open(sys.argv[1])]
cands = [json.loads(l)["text"] for l in open("cands.jsonl")]
qs = [json.loads(l)["text"] for l in open("queries.jsonl")]
ci, qi = {c: i for i, c in enumerate(cands)}, {q: i for i, q in enumerate(qs)}
S = Q @ C.T
def want(r, rmin, rmax, num, margin):
    q = qi[r["query"]]
    ex = {ci[x["pos"][0]] for x in plain if x["query"] == r["query"]}
    order = sorted((j for j in range(len(cands)) if j not in ex), key=lambda j: (-S[q, j].item(), j))[rmin:rmax]
    p = S[q, ci[r["pos"][0]]].item()
    keep = [j for j in order if margin is None or S[q, j].item() <= p - margin * abs(p)]
    return keep[:num]
def check(path, rmin, rmax, num, margin):
    rows = [json.loads(l) for l in open(path)]
    kept = {(r["query"], r["pos"][0]) for r in rows}
    bad = 0
    for r in plain:
        w = want(r, rmin, rmax, num, margin)
        if len(w) < num:
            assert (r["query"], r["pos"][0]) not in kept, "short but kept"
            continue
        got = [x for x in rows if x["query"] == r["query"] and x["pos"][0] == r["pos"][0]]
        assert len(got) == 1, ("not kept", r["query"])
        got = got[0]
        g = [ci[t] for t in got["neg"]]
        q = qi[r["query"]]
        if g != w:  # only a near tie may differ: the same scores to 1e-5
            a, b = sorted(S[q, j].item() for j in g), sorted(S[q, j].item() for j in w)
            assert all(abs(x - y) < 1e-5 for x, y in zip(a, b)), (r["query"], g, w, a, b)
            bad += 1
    assert bad <= len(plain) // 20, bad
    return len(rows)
n1 = check(sys.argv[2], 1, 6, 2, None)
n2 = check(sys.argv[3], 0, 8, 2, 0.0002)
assert n1 == len(plain) and 0 < n2 < len(plain), (n1, n2, len(plain))
PY
# random fill: every negative differs from the positive, and each pair gets its number
cn-retrain pairs -q --miner enc --num-negatives 3 --range-max 2 $docs2 -o f.jsonl
/usr/bin/python3 - f.jsonl <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows and all(len(r["neg"]) == 3 and len(set(r["neg"])) == 3 and r["pos"][0] not in r["neg"] for r in rows)
PY
# --exclude drops a pair whose positive holds the text, white space and case
# aside (a space inside a word, as PDF text has them); --max-pairs keeps that many
printf '{"text": "SLACK is the   mar gin between"}\n' > excl.jsonl
cn-retrain pairs -q --exclude excl.jsonl layout.jsonl -o ex.jsonl
[ "$(wc -l < ex.jsonl)" = 5 ] && ! grep -q "Slack" ex.jsonl
printf '{"text": "x"}\n{"text": " \\n "}\n' > blank-ex.jsonl
expect 1 cn-retrain pairs -q --exclude blank-ex.jsonl layout.jsonl -o x.jsonl 2> err
grep -q "blank-ex.jsonl:2: an empty text" err  # it would exclude every pair
cn-retrain pairs -q --max-pairs 3 --seed 4 layout.jsonl -o mp.jsonl
[ "$(wc -l < mp.jsonl)" = 3 ]
cn-retrain pairs -q --kinds option,comment layout.jsonl -o k.jsonl
[ "$(wc -l < k.jsonl)" = 3 ]
# usage errors
expect 2 cn-retrain pairs --num-negatives 2 layout.jsonl -o x.jsonl 2> err
grep -q "the negatives' options need --miner DIR" err
expect 2 cn-retrain pairs --kinds option,bogus layout.jsonl -o x.jsonl 2> err
expect 2 cn-retrain pairs layout.jsonl 2> err
[ ! -e x.jsonl ]
printf '{"text": "  "}\n' > blank.jsonl
expect 1 cn-retrain pairs blank.jsonl -o x.jsonl 2> err
grep -qx "cn-retrain: blank.jsonl:1: an empty document" err
[ ! -e x.jsonl ]
