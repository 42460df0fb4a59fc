# documents kept apart (segment mask, positions restarting): another model
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out a --steps 5 --seq-len 32 --micro-batch 2 data.tok
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out b --steps 5 --seq-len 32 --micro-batch 2 --no-cross-doc data.tok
if cmp -s a/model.safetensors b/model.safetensors; then exit 1; fi
