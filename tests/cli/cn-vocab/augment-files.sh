# stderr: ^cn-vocab: augment needs --domain FILE... and --general FILE...$
. "$TOP/tests/cli/lib.sh"
expect 2 cn-vocab augment --base $DATA/tok/tiny-spm.json --domain a.jsonl b.jsonl --add 10
