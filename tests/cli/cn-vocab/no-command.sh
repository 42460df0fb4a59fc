# stderr: ^cn-vocab: expected a command: train or augment$
. "$TOP/tests/cli/lib.sh"
expect 2 cn-vocab --type spm-bpe
