# exit: 2
# stderr: --template: .*(llama2|chatml|chipnemo)
. $TOP/tests/cli/cn-sft/common.inc
cn-sft --init base --template vicuna --out x --steps 1 chat.jsonl
