# exit: 2
# stderr: --lora-targets: unknown LoRA target 'qq'
cn-sft --init base --out x --lora-rank 4 --lora-targets q,qq chat.jsonl
