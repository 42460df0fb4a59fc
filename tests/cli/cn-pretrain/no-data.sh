# exit: 2
# stderr: ^cn-pretrain: no training data
cn-pretrain --config $TOP/tests/data/bench/llama-small.json --out x --steps 1
