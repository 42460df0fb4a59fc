# exit: 0
# --help names every option group; --version
cn-sft --help | grep -q -- '--lora-rank'
cn-sft --help | grep -q -- '--template'
cn-sft --help | grep -q -- '--resume'
cn-sft --version | grep -q '^cn-sft '
