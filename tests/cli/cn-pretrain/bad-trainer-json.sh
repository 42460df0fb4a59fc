# a checkpoint's trainer.json is checked before anything is resumed: a count
# out of range (here a step past the run's end) is one line naming the file
# stderr: ^cn-pretrain: a/step-2/trainer.json: 'step' is 7, not an integer from 0 to 2$
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out a --steps 2 --save-every 2 --seq-len 32 data.tok
sed -i 's/"step":[[:space:]]*2,/"step": 7,/' a/step-2/trainer.json
expect 1 cn-pretrain -q --resume a data.tok
# and a seed beyond what JSON keeps exactly is refused up front
expect 2 cn-pretrain -q --config cfg.json --out b --steps 1 --seed 9007199254740993 data.tok 2> err
grep -q 'option --seed: at most 2^53' err
