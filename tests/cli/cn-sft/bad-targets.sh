# stderr: --lora-targets: unknown LoRA target 'qq'
. "$TOP/tests/cli/lib.sh"
expect 2 cn-sft --init base --out x --lora-rank 4 --lora-targets q,qq chat.jsonl
