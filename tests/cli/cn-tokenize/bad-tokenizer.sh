# exit: 1
# stderr: ^cn-tokenize: t.json: pre_tokenizer type 'Whitespace' is not supported$
sed 's/"pre_tokenizer": null/"pre_tokenizer": {"type": "Whitespace"}/' $DATA/tok/tiny-spm.json > t.json
echo '{"text": "x"}' | cn-tokenize -t t.json > out.tok
