# exit: 2
# stderr: ^cn-vocab: expected a command: train or augment$
cn-vocab --type spm-bpe
