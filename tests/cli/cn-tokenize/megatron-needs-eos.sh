# exit: 2
# stderr: --format megatron needs --eos
echo '{"text": "x"}' | cn-tokenize -t $DATA/tok/tiny-spm.json --format megatron -o meg
