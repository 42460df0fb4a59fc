# exit: 1
# stderr: ^cn-vocab: vocabulary size 100 is below the [0-9]+ fixed tokens
echo '{"text": "hello world"}' | cn-vocab train -q --type spm-bpe --vocab-size 100 -o out.json
st=$?; test ! -e out.json && exit $st
