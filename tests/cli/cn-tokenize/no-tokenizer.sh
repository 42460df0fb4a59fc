# exit: 2
# stderr: no tokenizer: give -t TOKENIZER.json
echo '{"text": "x"}' | cn-tokenize > out.tok
