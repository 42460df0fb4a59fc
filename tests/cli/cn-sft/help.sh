# --help names every option group; --version
. "$TOP/tests/cli/lib.sh"
cn-sft --help | grep -q -- '--lora-rank'
cn-sft --help | grep -q -- '--template'
cn-sft --help | grep -q -- '--resume'
cn-sft --version | grep -q '^cn-sft '
