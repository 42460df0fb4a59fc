# frame: retrieval-augmented SFT data. Each question is asked as chat --index
# asks it (the frame, the numbered passages, "Question: Q"), with the
# passages cn-embed search ranks first (by the index's encoder, or by BM25
# with --bm25), as many as let the whole conversation, its answer included,
# fit the model's 384 positions: cn-sft with --seq-len 384 then keeps every
# one (none skipped as too long), and longer answers leave room for fewer
# passages; nothing generated, the same bytes each run; bad conversations
# and options refused
. $TOP/tests/cli/cn-rag/common.inc
. $TOP/tests/cli/cn-embed/common.inc
sed 's/"max_position_embeddings": 128/"max_position_embeddings": 384/' cfg.json > cfg384.json
cn-pretrain -q --threads 1 --config cfg384.json -t $DATA/tok/tiny-spm.json --out m384 --steps 2 --seq-len 32 data.tok
rm -r m && mv m384 m
cn-embed index -q -m enc -o ix --chunk-chars 160 $docs 2> /dev/null
/usr/bin/python3 - <<'PY' > chats.jsonl
import json
qs = ["What does a two-flop synchronizer do?", "What does yosys opt_clean remove?", "setup and hold", "clock domain crossing",
      "What is a testbench?", "How do I flatten a design?"]
for i, q in enumerate(qs):
    a = "It " + " ".join(["works"] * (1 + 40 * i))  # answers from short to long: less room for passages
    print(json.dumps({"id": i, "messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}))
PY
for how in vec bm25; do
    opt=; [ $how = bm25 ] && opt=--bm25
    cn-rag frame -q -m m --template chipnemo --index ix $opt --passages 8 chats.jsonl > framed-$how.jsonl
    cn-rag frame -q -m m --template chipnemo --index ix $opt --passages 8 -o again.jsonl chats.jsonl
    cmp framed-$how.jsonl again.jsonl
    /usr/bin/python3 -c '
import json, sys
for i, l in enumerate(open("chats.jsonl")):
    print(json.dumps({"_id": str(i), "text": json.loads(l)["messages"][0]["content"]}))' > beir.jsonl
    cn-embed search -q -i ix -k 8 --json $opt beir.jsonl > ranked-$how.jsonl
    cn-sft -q --threads 1 --init m --template chipnemo --seq-len 384 --micro-batch 1 --steps 2 --overwrite --out sft-$how \
        framed-$how.jsonl # with no --max-skip, a conversation --seq-len cuts off is an error
done
/usr/bin/python3 - <<'PY'
import json
passages = [json.loads(l) for l in open("ix/passages.jsonl")]
for how in ("vec", "bm25"):
    ranked = {}
    for l in open("ranked-%s.jsonl" % how):
        h = json.loads(l)
        ranked.setdefault(int(h["query"]), []).append(h["row"])
    chats = [json.loads(l) for l in open("chats.jsonl")]
    used, counts = 0, []
    for i, l in enumerate(open("framed-%s.jsonl" % how)):
        x = json.loads(l)
        q, a = chats[i]["messages"][0]["content"], chats[i]["messages"][1]["content"]
        u = x["messages"][0]["content"]
        assert x["id"] == i and x["messages"][1]["content"] == a, x
        rows = [p["row"] for p in x["rag"]["passages"]]
        assert rows == ranked[i][:len(rows)], (how, i, rows, ranked[i])
        ns = [p["n"] for p in x["rag"]["passages"] if p["n"]]
        if ns:
            assert u.startswith("Answer from these passages, citing them as [1]:\n\n[1] ") and u.endswith("\n\nQuestion: " + q), u
            first = passages[x["rag"]["passages"][0]["row"]]["text"]
            assert first[:20] in u, (first[:20], u)
            used += 1
        else:
            assert u == q, u
        counts.append(len(ns))
    assert used >= 3 and counts == sorted(counts, reverse=True) and counts[0] > counts[-1], (how, counts)
print("ok")
PY
# a conversation that does not end with a question and its answer; options frame does not use
echo '{"messages": [{"role": "user", "content": "q"}]}' > bad.jsonl
expect 1 cn-rag frame -q -m m --template chipnemo --index ix bad.jsonl 2> err
grep -q '^cn-rag: bad.jsonl:1: not a question and its answer' err
expect 2 cn-rag frame -q -m m --template chipnemo chats.jsonl 2> err
grep -q 'frame puts retrieved passages before each question: give --index INDEX' err
expect 2 cn-rag frame -q -m m --template chipnemo --index ix --temperature 0.5 chats.jsonl
expect 2 cn-rag frame -q -m m --template chipnemo --index ix --max-new-tokens 5 chats.jsonl
expect 2 cn-rag frame -q -m m --template chipnemo --index ix --bm25 --embed enc chats.jsonl
expect 2 cn-rag chat -q -m m --template chipnemo --bm25 chats.jsonl
