# cn-score mc on a tiny LLaMA: three lines per file with the DESIGN.md keys,
# acc within its interval, chance 1/4; the same output run after run; the
# same choices on 1 and 2 threads and packed or padded; --limit; k-shot
# examples drawn from the data file itself never include the question
. "$TOP/tests/cli/lib.sh"
cat > cfg.json <<'CFG'
{"model_type": "llama", "hidden_size": 24, "intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4,
 "num_key_value_heads": 2, "vocab_size": 650, "max_position_embeddings": 256, "bos_token_id": 1, "eos_token_id": 2}
CFG
cn-tokenize -q -t $DATA/tok/tiny-spm.json $SAMPLES/docs/domain.jsonl $SAMPLES/docs/general.jsonl -o data.tok
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out m --steps 5 --seq-len 32 data.tok
Q=$DATA/mc/questions.jsonl
cn-score mc -q -m m --threads 2 $Q --details d0.jsonl > out.jsonl
test "$(wc -l < out.jsonl)" = 3
test "$(wc -l < d0.jsonl)" = 16
grep -q '^{"task": "mc", "metric": "acc", "value": [0-9.e-]*, "n": 16, "model": "m", "data": ".*questions.jsonl", "stderr": ' out.jsonl
grep -q '"metric": "acc_norm", .*"ci95": \[[0-9.e-]*, [0-9.e-]*\], "ci95_method": "wilson", "correct": [0-9]*, "shots": 0, "truncated": 0}$' out.jsonl
grep -q '^{"task": "mc", "metric": "chance", "value": 0.25, "n": 16, ' out.jsonl
/usr/bin/python3 - out.jsonl d0.jsonl <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
for r in lines[:2]:
    lo, hi = r["ci95"]
    assert 0 <= lo <= r["value"] <= hi <= 1, r
    assert r["value"] == r["correct"] / r["n"], r
    p, n = r["value"], r["n"]
    assert abs(r["stderr"] - (p * (1 - p) / (n - 1)) ** 0.5) < 1e-12, r
d = [json.loads(l) for l in open(sys.argv[2])]
acc = sum(x["pred"] == x["answer"] for x in d) / len(d)
assert acc == lines[0]["value"], (acc, lines[0])
for x in d:
    assert len(x["lls"]) == 4 and all(v < 0 for v in x["lls"]), x
    assert x["pred"] == max(range(4), key=lambda k: (x["lls"][k], -k)), x
PY
# the same bits twice; the same choices on 1 thread, padded, other batch sizes
cn-score mc -q -m m --threads 2 $Q --details d0b.jsonl > out2.jsonl
cmp out.jsonl out2.jsonl
cmp d0.jsonl d0b.jsonl
preds() { sed 's/.*"pred": \([0-9]*\), "pred_norm": \([0-9]*\),.*/\1 \2/' "$1"; }
for opts in "--threads 1" "--no-pack" "--batch-tokens 100" "--batch-tokens 1"; do
    cn-score mc -q -m m $opts $Q --details d1.jsonl > out1.jsonl
    test "$(preds d0.jsonl)" = "$(preds d1.jsonl)" || { echo "other choices with $opts"; exit 1; }
    cmp <(cut -d, -f1-4 out.jsonl) <(cut -d, -f1-4 out1.jsonl)
done
# --limit, two files, three shots drawn from the same file
cn-score mc -q -m m --limit 5 --shots 3 --dev $Q --seed 7 $Q $DATA/mc/dev.jsonl --details d3.jsonl > out3.jsonl
test "$(wc -l < out3.jsonl)" = 6
test "$(wc -l < d3.jsonl)" = 10
grep -q '"metric": "acc", .*"n": 5, .*"shots": 3' out3.jsonl
/usr/bin/python3 - d3.jsonl <<'PY'
import json, sys
d = [json.loads(l) for l in open(sys.argv[1])]
for x in d:
    assert len(x["shots"]) == 3 and len(set(x["shots"])) == 3 and all(0 <= s < 16 for s in x["shots"]), x
    if x["data"].endswith("questions.jsonl"):
        assert x["index"] not in x["shots"], x
assert len({tuple(x["shots"]) for x in d}) > 1  # drawn per question
PY
# another seed, other shots; the same seed, the same
cn-score mc -q -m m --limit 5 --shots 3 --dev $Q --seed 7 $Q --details d4.jsonl > /dev/null
cn-score mc -q -m m --limit 5 --shots 3 --dev $Q --seed 8 $Q --details d5.jsonl > /dev/null
test "$(grep -o '"shots": [^]]*' d4.jsonl)" = "$(head -5 d3.jsonl | grep -o '"shots": [^]]*')"
test "$(grep -o '"shots": [^]]*' d4.jsonl)" != "$(grep -o '"shots": [^]]*' d5.jsonl)"
