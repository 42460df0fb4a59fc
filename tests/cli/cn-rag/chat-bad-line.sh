# a malformed line: its file and line, nothing more written
# stderr: ^cn-rag: bad\.jsonl:3: malformed JSON
. $TOP/tests/cli/cn-rag/common.inc
printf '{"messages": [{"role": "user", "content": "x"}]}\n\n{"messages": [{"role": "user"\n' > bad.jsonl
expect 1 cn-rag chat -q -m m --template llama2 --max-new-tokens 4 bad.jsonl -o out.jsonl
