# stderr: ^cn-score: no tokenizer: give -t A.json \[-t B.json\]$
. "$TOP/tests/cli/lib.sh"
expect 2 cn-score tokens data.jsonl
