. "$TOP/tests/cli/lib.sh"
cn-tokenize --help | grep -q '^Usage: cn-tokenize'
