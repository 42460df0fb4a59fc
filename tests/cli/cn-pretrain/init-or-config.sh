# stderr: ^cn-pretrain: give one of --init MODEL_DIR or --config config.json$
. "$TOP/tests/cli/lib.sh"
expect 2 cn-pretrain --out x --steps 1 data.tok
