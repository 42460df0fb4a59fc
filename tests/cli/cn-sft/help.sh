# --help names every option group; --version
. "$TOP/tests/cli/lib.sh"
# (into a file: grep -q leaving a pipe early would stop a help of over 4 KB with SIGPIPE)
cn-sft --help > help.txt
grep -q -- '--lora-rank' help.txt
grep -q -- '--template' help.txt
grep -q -- '--resume' help.txt
cn-sft --version > version.txt
grep -q '^cn-sft ' version.txt
