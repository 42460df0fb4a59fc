# stderr: ^cn-score: d.jsonl:1: missing field 'text'$
. "$TOP/tests/cli/lib.sh"
echo '{"body": "x"}' > d.jsonl
expect 1 cn-score tokens -q -t $DATA/tok/tiny-spm.json d.jsonl
