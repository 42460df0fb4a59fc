# --help prints usage to stdout and exits 0; --version
. "$TOP/tests/cli/lib.sh"
cn-export --help > help.txt
grep -q '^Usage: cn-export gguf MODEL_DIR' help.txt
grep -q -- '--type T' help.txt
cn-export --version | grep -q '^cn-export '
