# --help prints usage to stdout and exits 0
. "$TOP/tests/cli/lib.sh"
cn-mix --help | grep -q '^Usage: cn-mix'
