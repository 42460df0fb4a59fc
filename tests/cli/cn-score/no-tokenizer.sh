# exit: 2
# stderr: ^cn-score: no tokenizer: give -t A.json \[-t B.json\]$
cn-score tokens data.jsonl
