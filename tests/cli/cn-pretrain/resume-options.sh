# --resume keeps the run's settings: an option given again with the run's
# value is accepted, with another value it is a usage error naming both; an
# option that resuming does not use is refused
. $TOP/tests/cli/cn-pretrain/common.inc
tok=$DATA/tok/tiny-spm.json
cn-pretrain -q --config cfg.json -t $tok --out r --steps 4 --save-every 2 --seq-len 32 --micro-batch 2 data.tok
# refused: NAME, then the option and its value
refused() {
    expect 2 cn-pretrain -q --resume r "${@:2}" data.tok 2> err
    grep -q -- "^cn-pretrain: $1, but the run being resumed has .* (r/step-4/trainer.json): a resumed run keeps its settings" err
}
refused '--lr 0.001' --lr 1e-3
refused "--steps 5" --steps 5
cn-pretrain -q --resume r --tokens 256 data.tok
refused '--tokens 300 (5 steps)' --tokens 300
refused '--seq-len 16' --seq-len 16
refused '--precision bf16' --precision bf16
refused '--no-cross-doc given' --no-cross-doc
refused '--bos 5' --bos 5
refused '--eos none' --eos none
refused "-t $DATA/tok/tiny-metaspace.json" -t $DATA/tok/tiny-metaspace.json
refused '--seed 7' --seed 7
refused '--schedule linear' --schedule linear
grep -q 'has cosine' err
# not used when resuming
expect 2 cn-pretrain -q --resume r --init-std 0.1 data.tok 2> err
grep -q -- '--init-std' err
expect 2 cn-pretrain -q --resume r --vocab-map map.jsonl data.tok 2> err
grep -q -- '--vocab-map' err
expect 2 cn-pretrain -q --resume r --dry-run data.tok 2> err
grep -q -- '--dry-run' err
# nor in a new run: --init-std with --init, --head-init without --vocab-map
expect 2 cn-pretrain -q --init r --init-std 0.1 --out x --steps 1 data.tok 2> err
grep -q -- '--init-std' err
expect 2 cn-pretrain -q --init r --head-init zero --out x --steps 1 data.tok 2> err
grep -q -- '--head-init' err
[ ! -e x ]
# the run's own values, and what may change (threads, the log), are accepted
cn-pretrain -q --resume r --lr 3e-4 --steps 4 --seq-len 32 --micro-batch 2 --batch-tokens 64 -t $tok --bos 1 --eos 2 \
    --schedule cosine --threads 1 --log r.log data.tok 2> err
[ "$(wc -l < r.log)" = 0 ]
