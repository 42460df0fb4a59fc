# data on stdin that ends before the last step: the steps trained are kept as
# a checkpoint of the last whole step, the message says how to continue, the
# run exits 1; continued with the same stream made longer, it gives the
# uninterrupted run's model
. $TOP/tests/cli/cn-pretrain/common.inc
args=(-q --config cfg.json -t $DATA/tok/tiny-spm.json --steps 30 --seq-len 32 --micro-batch 2 --threads 1)
cn-mix -q --tokens 20000 1:data.tok | cn-pretrain "${args[@]}" --out whole -
cn-mix -q --tokens 1000 1:data.tok > short.tok
expect 1 cn-pretrain "${args[@]}" --out r --log r.log - < short.tok 2> err
grep -qx 'cn-pretrain: the data ended during step [0-9]* of 30 (a stream: it cannot be read again); the last checkpoint is r/step-[0-9]*; continue with more data (the same stream, longer) and: cn-pretrain --resume r -' err
n=$(sed 's/.*during step \([0-9]*\) of.*/\1/' err)
[ "$n" -gt 1 ]
[ "$n" -lt 30 ]
[ "$(cat r/latest)" = "step-$((n - 1))" ]
[ "$(wc -l < r.log)" = $((n - 1)) ]
cn-mix -q --tokens 20000 1:data.tok | cn-pretrain -q --threads 1 --resume r -
cmp whole/model.safetensors r/model.safetensors
