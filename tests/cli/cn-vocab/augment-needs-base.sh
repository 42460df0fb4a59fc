# stderr: ^cn-vocab: augment needs --base BASE.json$
. "$TOP/tests/cli/lib.sh"
expect 2 cn-vocab augment --domain a.jsonl --general b.jsonl --add 10
