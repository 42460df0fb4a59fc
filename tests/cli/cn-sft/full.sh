# full fine-tuning: the answer loss falls; OUT is a model directory with the
# tokenizer and a tokenizer_config.json naming the template (so the next run
# finds it without --template); the same run twice gives the same bytes
. $TOP/tests/cli/cn-sft/common.inc
args=(-q --seq-len 64 --micro-batch 2 --lr 1e-2 --steps 40 --warmup 2)
cn-sft --init base --template chipnemo --out a --log a.log "${args[@]}" --max-skip 2 chat.jsonl
cn-sft --init base --template chipnemo --out b "${args[@]}" --max-skip 2 chat.jsonl
cmp a/model.safetensors b/model.safetensors
cmp a/tokenizer.json base/tokenizer.json
tr -d ' \t\n' < a/tokenizer_config.json | grep -q '"chat_template_name":"chipnemo"'
tr -d ' \t\n' < a/tokenizer_config.json | grep -q '"chat_template":"{{bos_token}}'
test "$(wc -l < a.log)" = 40
first=$(head -1 a.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')
last=$(tail -1 a.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')
awk -v f="$first" -v l="$last" 'BEGIN { exit !(l < f - 1) }'
# the template comes from the model directory now
cn-sft --init a --out c -q --seq-len 64 --steps 1 --max-skip 2 chat.jsonl
tr -d ' \t\n' < c/tokenizer_config.json | grep -q '"chat_template_name":"chipnemo"'
