# stderr: --template: .*(llama2|chatml|chipnemo)
. $TOP/tests/cli/cn-sft/common.inc
expect 2 cn-sft --init base --template vicuna --out x --steps 1 chat.jsonl
