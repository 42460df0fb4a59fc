# mc --rag: each question asked after the passages it retrieves from a
# cn-embed index (the rows cn-embed search ranks first, in rank order, in
# --details), as many as fit the model's window (128 positions here: some
# questions take fewer than --passages, none is truncated); the scores move
# with them; the same bytes twice; its options refused without --rag; an
# index of another encoder refused
. "$TOP/tests/cli/lib.sh"
. $TOP/tests/cli/cn-embed/common.inc
cat > cfg.json <<'CFG'
{"model_type": "llama", "hidden_size": 24, "intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4,
 "num_key_value_heads": 2, "vocab_size": 650, "max_position_embeddings": 128, "bos_token_id": 1, "eos_token_id": 2}
CFG
cn-tokenize -q -t $DATA/tok/tiny-spm.json $SAMPLES/docs/domain.jsonl $SAMPLES/docs/general.jsonl -o data.tok
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out m --steps 5 --seq-len 32 data.tok
cn-embed index -q -m enc -o ix --chunk-chars 120 $docs 2> /dev/null
Q=$DATA/mc/questions.jsonl
cn-score mc -q -m m --threads 2 $Q --details plain.jsonl > plain-out.jsonl
cn-score mc -q -m m --threads 2 --rag ix --passages 3 $Q --details rag.jsonl > rag-out.jsonl
cn-score mc -q -m m --threads 2 --rag ix --passages 3 $Q --details rag2.jsonl > rag-out2.jsonl
cmp rag.jsonl rag2.jsonl
cmp rag-out.jsonl rag-out2.jsonl
grep -q '"truncated": 0}$' rag-out.jsonl
/usr/bin/python3 -c '
import json
for i, l in enumerate(open("'$Q'")):
    print(json.dumps({"_id": str(i), "text": json.loads(l)["question"]}))' > beir.jsonl
cn-embed search -q -i ix -k 3 --json beir.jsonl > ranked.jsonl
/usr/bin/python3 - plain.jsonl rag.jsonl ranked.jsonl <<'PY'
import json, sys
plain = [json.loads(l) for l in open(sys.argv[1])]
rag = [json.loads(l) for l in open(sys.argv[2])]
ranked = {}
for l in open(sys.argv[3]):
    h = json.loads(l)
    ranked.setdefault(int(h["query"]), []).append(h["row"])
assert len(rag) == len(plain) == 16
used = [len(r["passages"]) for r in rag]
assert min(used) < 3 and max(used) >= 1, used  # the window takes fewer than asked for some
for r in rag:
    assert r["passages"] == ranked[r["index"]][:len(r["passages"])], (r, ranked[r["index"]])
    assert not r["truncated"]
    assert "passages" not in plain[r["index"]]
# a question with passages scores its choices differently
# (the same prompt scores the same but for the last bits: the packing
# around it differs)
close = lambda a, b: all(abs(x - y) <= 1e-4 * max(1, abs(y)) for x, y in zip(a, b))
assert any(not close(r["lls"], p["lls"]) for r, p in zip(rag, plain) if r["passages"])
assert all(close(r["lls"], p["lls"]) for r, p in zip(rag, plain) if not r["passages"])
PY
expect 2 cn-score mc -q -m m --passages 2 $Q 2> err; grep -q "give --rag INDEX" err
expect 2 cn-score mc -q -m m --embed enc $Q 2> err; grep -q "give --rag INDEX" err
mkenc enc2 8
expect 1 cn-score mc -q -m m --rag ix --embed enc2 -o out.jsonl $Q 2> err; grep -q "another encoder than the index's" err
test ! -e out.jsonl
