# stderr: ^cn-vocab: train needs --vocab-size N$
. "$TOP/tests/cli/lib.sh"
echo '{"text": "a"}' | expect 2 cn-vocab train --type spm-bpe
