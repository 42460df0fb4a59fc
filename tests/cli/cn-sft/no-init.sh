# stderr: give --init MODEL_DIR
. "$TOP/tests/cli/lib.sh"
expect 2 cn-sft --out x chat.jsonl
