# exit: 0
cn-shard --help | grep -q '^Usage: cn-shard'
