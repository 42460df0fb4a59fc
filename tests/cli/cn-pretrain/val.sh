# held-out loss at each checkpoint (and only there) in the log
. $TOP/tests/cli/cn-pretrain/common.inc
cn-tokenize -q -t $DATA/tok/tiny-spm.json $SAMPLES/docs/general.jsonl -o val.tok
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out a --steps 12 --seq-len 32 --micro-batch 2 --save-every 5 \
    --val val.tok --val-batches 3 --log a.log data.tok
test "$(grep -c val_loss a.log)" = 3
grep '"step": 5,' a.log | grep -q '"val_loss": [0-9.]*}$'
grep '"step": 12,' a.log | grep -q '"val_loss"'
