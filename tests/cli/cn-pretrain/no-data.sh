# stderr: ^cn-pretrain: no training data
. "$TOP/tests/cli/lib.sh"
expect 2 cn-pretrain --config $TOP/tests/data/bench/llama-small.json --out x --steps 1
