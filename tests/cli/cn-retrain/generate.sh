# cn-retrain pairs --generator: a causal LM writes a query for each passage
# (the passages of cn-embed chunk at the same --chunk-chars, each its line as
# source); each query is the first line with text of what cn-rag
# --no-retrieval continues the same prompt with (greedy), trimmed; the same bytes with 1 and 2 threads;
# --generate N draws N passages; a prompt past the model's positions is cut
# and said; the generator's options without it are usage errors
. $TOP/tests/cli/cn-embed/common.inc
cat > gcfg.json <<'CFG'
{"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
 "num_key_value_heads": 2, "vocab_size": 650, "max_position_embeddings": 192, "bos_token_id": 1, "eos_token_id": 2}
CFG
cn-tokenize -q -t "$DATA/tok/tiny-spm.json" $docs -o g.tok
cn-pretrain -q --threads 2 --config gcfg.json -t "$DATA/tok/tiny-spm.json" --out gen --steps 300 --seq-len 64 --micro-batch 8 --lr 1e-2 g.tok
cn-retrain pairs -q --threads 1 --generator gen --kinds generated --chunk-chars 64 $SAMPLES/docs/domain.jsonl -o g1.jsonl
cn-retrain pairs -q --threads 2 --generator gen --kinds generated --chunk-chars 64 $SAMPLES/docs/domain.jsonl -o g2.jsonl
cmp g1.jsonl g2.jsonl
cn-embed chunk -q --chunk-chars 64 $SAMPLES/docs/domain.jsonl -o chunks.jsonl
/usr/bin/python3 - g1.jsonl chunks.jsonl > prompts.txt <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
chunks = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert rows and all(r["kind"] == "generated" and r["neg"] == [] for r in rows)
# every pair's positive is a passage, in order; its source is the passage's line
texts = {c["text"]: c for c in chunks}
assert len(rows) >= len(chunks) // 2, (len(rows), len(chunks))
docs = {}
for c in chunks:
    f, line = c["source"].rsplit(":", 1)
    if f not in docs:
        docs[f] = [json.loads(l)["text"] for l in open(f, encoding="utf-8")]
    c["line"] = docs[f][int(line) - 1].encode()[:c["start"]].count(b"\n")
for r in rows:
    c = texts[r["pos"][0]]
    assert r["source"] == "%s+%d" % (c["source"], c["line"]), (r["source"], c["source"], c["line"])
for r in rows[:6]:
    print(json.dumps({"prompt": "Passage: %s\nA question it answers:" % r["pos"][0], "query": r["query"]}))
PY
# the same prompts through cn-rag: the same queries
while IFS= read -r line; do
    prompt=$(printf '%s' "$line" | /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["prompt"], end="")')
    want=$(printf '%s' "$line" | /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["query"], end="")')
    got=$(cn-rag --no-retrieval -m gen --threads 1 --temperature 0 --max-new-tokens 32 --prompt "$prompt" |
          /usr/bin/python3 -c 'import sys; print(next((l.strip() for l in sys.stdin.read().split("\n") if l.strip()), ""), end="")')
    [ "$got" = "$want" ] || { echo "cn-rag wrote [$got], pairs [$want]"; exit 1; }
done < prompts.txt
[ "$(wc -l < prompts.txt)" = 6 ]
# --generate 3: three of them; long passages cut to fit, and said
cn-retrain pairs -q --generator gen --kinds generated --chunk-chars 64 --generate 3 $SAMPLES/docs/domain.jsonl -o g3.jsonl
[ "$(wc -l < g3.jsonl)" -le 3 ]
cn-retrain pairs --generator gen --kinds generated --chunk-chars 2000 $SAMPLES/docs/domain.jsonl -o g4.jsonl 2> err
grep -q "passages cut to fit the generator's prompt" err
# usage errors; an encoder is no generator
expect 2 cn-retrain pairs --generate 3 $docs -o x.jsonl 2> err
grep -q "the generator's options need --generator DIR" err
expect 2 cn-retrain pairs --kinds generated $docs -o x.jsonl 2> err
grep -q "generated needs --generator DIR" err
expect 2 cn-retrain pairs --generator gen --generator-prompt "no passage" $docs -o x.jsonl 2> err
expect 2 cn-retrain pairs --generator gen --kinds heading $docs -o x.jsonl 2> err
grep -q "kinds leaves generated out" err
expect 1 cn-retrain pairs --generator enc $docs -o x.jsonl 2> err
grep -q "enc: writing queries needs a LLaMA-class model" err
[ ! -e x.jsonl ]
