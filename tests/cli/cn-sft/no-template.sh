# exit: 1
# stderr: base: no tokenizer_config.json naming a chat template
. $TOP/tests/cli/cn-sft/common.inc
cn-sft --init base --out x --steps 1 chat.jsonl
