# stderr: ^cn-tokenize: t.json: pre_tokenizer type 'Whitespace' is not supported$
. "$TOP/tests/cli/lib.sh"
sed 's/"pre_tokenizer": null/"pre_tokenizer": {"type": "Whitespace"}/' $DATA/tok/tiny-spm.json > t.json
echo '{"text": "x"}' | expect 1 cn-tokenize -t t.json > out.tok
