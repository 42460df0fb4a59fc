# exit: 2
# stderr: ^cn-vocab: augment needs --domain FILE... and --general FILE...$
cn-vocab augment --base $DATA/tok/tiny-spm.json --domain a.jsonl b.jsonl --add 10
