# --dry-run --ranks N plans for N ranks: each rank's share of the
# micro-batches, and with --zero1 its 1/N of AdamW's moments (the rest as
# one rank's); --ranks without --dry-run is refused (a run's ranks are its
# launcher's)
. "$TOP/tests/cli/lib.sh"
plan=(--config $TOP/tests/data/bench/llama-small.json --dry-run --seq-len 256 --micro-batch 2 --batch-tokens 4096 --steps 10)
cn-pretrain "${plan[@]}" --ranks 4 > plain
grep -q '^memory: parameters 74.8 MB, gradients 74.8 MB, AdamW moments 149.5 MB, activations' plain
grep -q '^ranks: 4, each 2 of the 8 micro-batches a step; the memory above is each rank.s$' plain
cn-pretrain "${plan[@]}" --ranks 4 --zero1 > zero
grep -q '^memory: parameters 74.8 MB, gradients 74.8 MB, AdamW moments 37.4 MB (--zero1: about 1/ranks), activations' zero
cn-pretrain "${plan[@]}" --ranks 3 > three
grep -q '^ranks: 3, each 3 of the 8 micro-batches a step' three
cn-pretrain "${plan[@]}" > one
if grep -q '^ranks:' one; then exit 1; fi
expect 2 cn-pretrain --config $TOP/tests/data/bench/llama-small.json --ranks 4 --steps 1 --out o x.tok 2> err
grep -q "^cn-pretrain: --ranks plans a run (--dry-run); a run's ranks are its launcher's$" err
expect 2 cn-pretrain "${plan[@]}" --ranks 0
