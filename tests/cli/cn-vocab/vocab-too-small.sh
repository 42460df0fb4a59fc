# stderr: ^cn-vocab: vocabulary size 100 is below the [0-9]+ fixed tokens
. "$TOP/tests/cli/lib.sh"
echo '{"text": "hello world"}' | expect 1 cn-vocab train -q --type spm-bpe --vocab-size 100 -o out.json
[ ! -e out.json ]
