# stderr: ^cn-score: <stdout>: write error: No space left on device$
# a write error on stdout is an error; a failed run leaves no details file
. $TOP/tests/cli/cn-pretrain/common.inc
cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --out m --steps 1 --seq-len 32 data.tok
expect 1 cn-score mc -q -m m --limit 2 $DATA/mc/questions.jsonl --details d.jsonl > /dev/full
[ ! -e d.jsonl ]
