# exit: 1
# stderr: ^cn-score: d.jsonl:1: missing field 'text'$
echo '{"body": "x"}' > d.jsonl
cn-score tokens -q -t $DATA/tok/tiny-spm.json d.jsonl
