# exit: 2
# stderr: ^cn-vocab: train needs --vocab-size N$
echo '{"text": "a"}' | cn-vocab train --type spm-bpe
