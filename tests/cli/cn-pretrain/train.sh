# the loss falls; the output loads as a model directory with the tokenizer;
# the same run twice gives the same bytes; metrics JSONL with the keys asked
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out a --steps 30 --seq-len 32 --micro-batch 2 \
    --batch-tokens 128 --lr 1e-2 --warmup 3 --log a.log data.tok
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out b --steps 30 --seq-len 32 --micro-batch 2 \
    --batch-tokens 128 --lr 1e-2 --warmup 3 data.tok
cmp a/model.safetensors b/model.safetensors
cmp a/tokenizer.json $DATA/tok/tiny-spm.json
test -s a/config.json
test "$(wc -l < a.log)" = 30
head -1 a.log | grep -q '^{"step": 1, "tokens": 128, "loss": [0-9.]*, "lr": [0-9.e-]*, "grad_norm": [0-9.e-]*, "tokens_per_s": [0-9.]*}$'
first=$(head -1 a.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')
last=$(tail -1 a.log | sed 's/.*"loss": \([0-9.]*\).*/\1/')
awk -v f="$first" -v l="$last" 'BEGIN { exit !(f > 6.3 && l < f - 0.3) }' # from about ln 650
