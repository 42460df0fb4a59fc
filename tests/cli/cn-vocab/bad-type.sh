# exit: 2
# stderr: ^cn-vocab: option --type: expected spm-bpe or byte-bpe$
echo '{"text": "a"}' | cn-vocab train --type unigram --vocab-size 300
