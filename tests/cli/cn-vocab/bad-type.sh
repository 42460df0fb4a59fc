# stderr: ^cn-vocab: option --type: expected spm-bpe or byte-bpe$
. "$TOP/tests/cli/lib.sh"
echo '{"text": "a"}' | expect 2 cn-vocab train --type unigram --vocab-size 300
