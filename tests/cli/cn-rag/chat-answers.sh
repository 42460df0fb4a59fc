# The chat path end to end: a tiny LLaMA fine-tuned by cn-sft (full, the
# chipnemo template) on 24 conversations answers its own training questions
# through cn-rag chat in JSONL mode: no answer empty, at least 80% exactly
# right. Half the answers are "- ..." lists, and the tokenizer (cn-vocab
# train on these texts) merges across newlines ("\n-", "\nT"), as the
# demo's does: the generation prompt ends in "Assistant\n", which training
# must also show alone, not merged with the answer's first "-". The
# template's markers, text to this tokenizer, become special tokens of the
# fine-tuned model, and <extra_id_1> ends each answer.
. "$TOP/tests/cli/lib.sh"
/usr/bin/python3 - <<'PY'
import json
cmds = ["opt_clean", "opt_expr", "opt_merge", "proc", "flatten", "synth", "abc", "dfflibmap", "techmap", "hierarchy",
        "stat", "check", "select", "show", "read_verilog", "write_verilog", "memory", "fsm", "share", "splitnets",
        "setattr", "rename", "tee", "sta"]
does = ["removes unused cells and wires", "folds constant expressions", "merges identical cells",
        "converts processes to netlists", "flattens the design hierarchy", "runs the generic synthesis script",
        "maps logic to a cell library with ABC", "maps flip-flops to liberty cells", "maps cells to a technology library",
        "sets the top module and checks the hierarchy", "prints statistics of the design", "checks for obvious problems",
        "selects parts of the design", "draws the design as a graph", "reads Verilog sources",
        "writes the design as Verilog", "maps memories to cells", "extracts and optimizes state machines",
        "shares resources between operations", "splits multi-bit nets", "sets attributes on objects", "renames objects",
        "copies output to a file", "runs static timing analysis"]
with open("chat.jsonl", "w") as chat, open("ask.jsonl", "w") as ask, open("text.jsonl", "w") as text:
    for i, (c, d) in enumerate(zip(cmds, does)):
        q = f"What does {c} do?"
        a = f"- It {d}.\n- Run it as `{c}`." if i % 2 else f"The {c} pass {d}."
        chat.write(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}) + "\n")
        ask.write(json.dumps({"messages": [{"role": "user", "content": q}], "want": a}) + "\n")
        for _ in range(30):
            text.write(json.dumps({"text": q + "\n" + a + "\n"}) + "\n")
            # lists after words of every ending: "\n-" becomes a token
            text.write(json.dumps({"text": f"Notes on {c}\n- {d}\n- see {c}\n"}) + "\n")
PY
cn-vocab train -q --type spm-bpe --vocab-size 400 -o tok.json text.jsonl
# the premise: tokens that span the prompt's end and the answer's start
/usr/bin/python3 -c 'import json, sys; v = json.load(open("tok.json"))["model"]["vocab"]; sys.exit(not {"\n-", "\nT"} <= set(v))'
cat > cfg.json <<'CFG'
{"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
 "num_key_value_heads": 4, "vocab_size": 400, "max_position_embeddings": 128, "bos_token_id": 1, "eos_token_id": 2}
CFG
cn-tokenize -q -t tok.json text.jsonl -o text.tok
cn-pretrain -q --threads 1 --config cfg.json -t tok.json --out base --steps 1 --seq-len 64 --micro-batch 1 text.tok
cn-sft -q --threads 1 --init base --template chipnemo --out s --seq-len 128 --micro-batch 4 --steps 150 --lr 3e-3 --warmup 10 chat.jsonl
cn-rag chat -q --threads 1 -m s --max-new-tokens 40 < ask.jsonl > out.jsonl
/usr/bin/python3 - <<'PY'
import json
ask = [json.loads(l) for l in open("ask.jsonl")]
out = [json.loads(l) for l in open("out.jsonl")]
assert len(out) == len(ask) == 24, len(out)
got = [o["messages"][-1]["content"] for o in out]
empty = sum(g == "" for g in got)
exact = sum(g == a["want"] for g, a in zip(got, ask))
print(f"{empty} empty, {exact} of {len(ask)} exactly right")
assert empty == 0 and exact >= 0.8 * len(ask), [(g, a["want"]) for g, a in zip(got, ask) if g != a["want"]][:5]
PY
