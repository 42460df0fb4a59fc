# chat with stdin not a terminal: one conversation a line in, the same with
# the answer appended out (other keys kept); the template from
# tokenizer_config.json or --template; repeatable; -o writes a file
# stderr-empty
. $TOP/tests/cli/cn-rag/common.inc
cat > in.jsonl <<'IN'
{"messages": [{"role": "user", "content": "What is a flip-flop?"}], "id": "a"}

{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Name a chip."}], "id": "b"}
IN
cn-rag chat -q -m m --template chipnemo --max-new-tokens 16 < in.jsonl > out.jsonl
cn-rag chat -q -m m --template chipnemo --max-new-tokens 16 in.jsonl -o out2.jsonl
cmp out.jsonl out2.jsonl
printf '{"chat_template_name": "chipnemo"}\n' > m/tokenizer_config.json
cn-rag chat -q -m m --max-new-tokens 16 < in.jsonl > out3.jsonl
cmp out.jsonl out3.jsonl
cn-rag chat -q -m m --template chatml --max-new-tokens 16 --temperature 0.9 --seed 4 < in.jsonl > s1.jsonl
cn-rag chat -q -m m --template chatml --max-new-tokens 16 --temperature 0.9 --seed 4 < in.jsonl > s2.jsonl
cmp s1.jsonl s2.jsonl
/usr/bin/python3 - in.jsonl out.jsonl <<'PY'
import json, sys
ins = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
outs = [json.loads(l) for l in open(sys.argv[2])]
assert len(outs) == len(ins) == 2
for i, o in zip(ins, outs):
    assert o["id"] == i["id"]
    assert o["messages"][:-1] == i["messages"]
    assert o["messages"][-1]["role"] == "assistant" and isinstance(o["messages"][-1]["content"], str)
PY
