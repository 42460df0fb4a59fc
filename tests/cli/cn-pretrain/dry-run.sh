. "$TOP/tests/cli/lib.sh"
cn-pretrain --config $TOP/tests/data/bench/llama-small.json --dry-run --seq-len 256 --micro-batch 8 --batch-tokens 4096 --steps 10 > out
grep -q '^model: LlamaForCausalLM, 19597568 parameters; 10 steps of 4096 tokens (2 micro-batches of 8 x 256)$' out
grep -q '^memory: parameters 74.8 MB, gradients 74.8 MB, AdamW moments 149.5 MB, activations [0-9.]* MB, total [0-9.]* MB$' out
