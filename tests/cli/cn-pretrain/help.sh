. "$TOP/tests/cli/lib.sh"
cn-pretrain --help | grep -q '^Usage: cn-pretrain'
