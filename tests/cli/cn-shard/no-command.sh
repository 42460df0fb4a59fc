# exit: 2
# stderr: no command
cn-shard
