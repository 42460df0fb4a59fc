# stderr: base: no tokenizer_config.json naming a chat template
. $TOP/tests/cli/cn-sft/common.inc
expect 1 cn-sft --init base --out x --steps 1 chat.jsonl
