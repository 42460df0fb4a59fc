# stderr: --format megatron needs --eos
. "$TOP/tests/cli/lib.sh"
echo '{"text": "x"}' | expect 2 cn-tokenize -t $DATA/tok/tiny-spm.json --format megatron -o meg
