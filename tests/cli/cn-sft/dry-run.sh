# --dry-run: the plan, LoRA's frozen base, the memory
. $TOP/tests/cli/cn-sft/common.inc
cn-sft --init base --template chatml --dry-run --seq-len 64 --lora-rank 8 --steps 10 | grep -q 'LoRA adapters train'
cn-sft --init base --template chatml --dry-run --seq-len 64 --steps 10 | grep -q 'memory: parameters'
