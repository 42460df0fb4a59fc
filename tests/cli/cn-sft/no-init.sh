# exit: 2
# stderr: give --init MODEL_DIR
cn-sft --out x chat.jsonl
