. "$TOP/tests/cli/lib.sh"
cn-vocab --help | grep -q '^Usage: cn-vocab train'
