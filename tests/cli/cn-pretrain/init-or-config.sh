# exit: 2
# stderr: ^cn-pretrain: give one of --init MODEL_DIR or --config config.json$
cn-pretrain --out x --steps 1 data.tok
