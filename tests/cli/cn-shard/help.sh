. "$TOP/tests/cli/lib.sh"
cn-shard --help | grep -q '^Usage: cn-shard'
