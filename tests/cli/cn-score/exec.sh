# exec on the EDA task set (samples/eda-tasks): every reference solution
# passes and every mutant fails (a Verilog mutant compiles and simulates, a
# yosys mutant's script runs: each is caught by its testbench or check);
# pass@k over mixed samples (references and mutants, in fenced answers and
# bare) against the unbiased estimator written here from its definition
# (math.comb); the same output with one job or two
# timeout: 240
. "$TOP/tests/cli/lib.sh"
/usr/bin/python3 "$SAMPLES/eda-tasks/pack.py" > tasks.jsonl
cn-score exec -q --tasks tasks.jsonl --solutions reference --details ref-d.jsonl > ref.jsonl
cn-score exec -q --tasks tasks.jsonl --solutions mutant --details mut-d.jsonl > mut.jsonl
/usr/bin/python3 - tasks.jsonl ref-d.jsonl mut-d.jsonl ref.jsonl mut.jsonl <<'PY'
import collections, json, sys
tasks = [json.loads(l) for l in open(sys.argv[1])]
kinds = collections.Counter((t["kind"], t["level"]) for t in tasks)
nv = sum(v for (k, _), v in kinds.items() if k == "verilog")
ny = sum(v for (k, _), v in kinds.items() if k == "yosys")
assert nv >= 30 and ny >= 10, kinds
ref = [json.loads(l) for l in open(sys.argv[2])]
mut = [json.loads(l) for l in open(sys.argv[3])]
assert [r["id"] for r in ref] == [t["id"] for t in tasks] == [m["id"] for m in mut]
bad = [r["id"] for r in ref if r["verdict"] != "pass"]
assert not bad, ("references that fail", bad)
for m, t in zip(mut, tasks):
    want = "simulate" if t["kind"] == "verilog" else "check"
    assert m["verdict"] == "fail" and m["stage"] == want, ("a mutant not caught by its check", m)
for path, v in ((sys.argv[4], 1), (sys.argv[5], 0)):
    out = [json.loads(l) for l in open(path)]
    assert out[0]["kind"] == "all" and out[0]["level"] == "all" and out[0]["n"] == len(tasks), out[0]
    for o in out:
        assert o["metric"] == "pass@1" and o["value"] == v and o["ci95"] == [v, v], o
    assert {(o["kind"], o["level"]) for o in out} == {("all", "all"), ("verilog", "all"), ("yosys", "all")} | set(kinds), out
PY
# mixed samples: task i gets c_i references among 6 samples
/usr/bin/python3 - tasks.jsonl <<'PY' > gens.jsonl
import json, sys
tasks = [json.loads(l) for l in open(sys.argv[1])]
pick = [t for t in tasks if t["kind"] == "verilog"][:5] + [t for t in tasks if t["kind"] == "yosys"][:3]
for i, t in enumerate(pick):
    c = [0, 1, 2, 6, 3, 5, 1, 4][i]
    for s in range(6):
        code = t["reference"] if s < c else t["mutant"]
        lang = "verilog" if t["kind"] == "verilog" else "tcl"
        if s % 3 == 0:
            a = code
        elif s % 3 == 1:
            a = "Here is the %s:\n\n```%s\n%s```\n\nIt does what was asked." % (t["kind"], lang, code)
        else:
            a = "```\n" + code + "\n```"
        rec = {"id": t["id"], "answer": a} if s % 2 else {"id": t["id"], "messages": [{"role": "user", "content": t["prompt"]}, {"role": "assistant", "content": a}]}
        print(json.dumps(rec))
    print(json.dumps({"id": t["id"], "c": c}), file=open("c-%d.json" % i, "w"))
PY
/usr/bin/python3 - tasks.jsonl gens.jsonl <<'PY' > sub.jsonl
import json, sys
ids = {json.loads(l)["id"] for l in open(sys.argv[2])}
for l in open(sys.argv[1]):
    if json.loads(l)["id"] in ids: print(l, end="")
PY
cn-score exec -q -j 1 --tasks sub.jsonl --details mix-d.jsonl gens.jsonl > mix.jsonl
cn-score exec -q -j 2 --tasks sub.jsonl gens.jsonl > mix2.jsonl
cmp mix.jsonl mix2.jsonl
cn-score exec -q --tasks sub.jsonl -k 2,3 gens.jsonl > k23.jsonl
/usr/bin/python3 - mix-d.jsonl mix.jsonl k23.jsonl <<'PY'
import glob, json, math, sys
c = {}
for f in glob.glob("c-*.json"):
    x = json.load(open(f)); c[x["id"]] = x["c"]
d = [json.loads(l) for l in open(sys.argv[1])]
got = {}
for x in d:
    got[x["id"]] = got.get(x["id"], 0) + (x["verdict"] == "pass")
assert got == c, (got, c)
def pass_at_k(n, c, k):
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)
for path, ks in ((sys.argv[2], [1, 5]), (sys.argv[3], [2, 3])):
    out = [json.loads(l) for l in open(path)]
    alls = [o for o in out if o["kind"] == "all"]
    assert [o["metric"] for o in alls] == ["pass@%d" % k for k in ks], alls
    for o, k in zip(alls, ks):
        want = sum(pass_at_k(6, v, k) for v in c.values()) / len(c)
        assert abs(o["value"] - want) < 1e-12, (o, want)
        assert o["n"] == 8 and o["samples"] == 48 and o["ci95"][0] <= o["value"] <= o["ci95"][1], o
PY
