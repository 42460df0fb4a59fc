# stderr: ^cn-rag: m: no tokenizer_config.json naming a chat template
. $TOP/tests/cli/cn-rag/common.inc
printf '{"messages": [{"role": "user", "content": "x"}]}\n' | expect 1 cn-rag chat -q -m m
