# stderr: ^cn-pretrain: step [0-9]+: the loss \(.*\) or the gradient norm \(.*\) is not finite
. $TOP/tests/cli/cn-pretrain/common.inc
expect 1 cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out a --steps 50 --seq-len 32 --micro-batch 2 \
    --lr 1e30 --clip 0 --init-std 30 data.tok
[ ! -e a ]
