# --init DIR's generation_config.json goes on into the output and each
# checkpoint, full or LoRA (transformers' save_pretrained keeps it); its
# tokenizer_config.json does not: the run writes its own, naming the template
# it trained with; one that is not JSON is refused before training
. $TOP/tests/cli/cn-sft/common.inc
printf '{"bos_token_id": 1, "eos_token_id": 2, "temperature": 0.7, "do_sample": true}\n' > base/generation_config.json
printf '{"chat_template": "{{ messages[0].content }}"}\n' > base/tokenizer_config.json
args=(-q --template chatml --seq-len 128 --micro-batch 2 --steps 2 --save-every 1)
cn-sft --init base --out full "${args[@]}" chat.jsonl
cn-sft --init base --out lora --lora-rank 2 "${args[@]}" chat.jsonl
for d in full full/step-1 lora lora/step-2; do cmp base/generation_config.json $d/generation_config.json; done
tr -d ' \t\n' < full/tokenizer_config.json | grep -q '"chat_template_name":"chatml"'
printf 'temperature: 0.7\n' > base/generation_config.json
expect 1 cn-sft --init base --out bad "${args[@]}" chat.jsonl 2> err
grep -q "^cn-sft: base/generation_config.json: " err
[ ! -e bad ]
