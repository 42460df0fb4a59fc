. "$TOP/tests/cli/lib.sh"
cn-score --help | grep -q '^Usage: cn-score tokens'
