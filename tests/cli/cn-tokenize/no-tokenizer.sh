# stderr: no tokenizer: give -t TOKENIZER.json
. "$TOP/tests/cli/lib.sh"
echo '{"text": "x"}' | expect 2 cn-tokenize > out.tok
