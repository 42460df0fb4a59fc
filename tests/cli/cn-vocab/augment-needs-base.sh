# exit: 2
# stderr: ^cn-vocab: augment needs --base BASE.json$
cn-vocab augment --domain a.jsonl --general b.jsonl --add 10
