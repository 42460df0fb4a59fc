# exit: 2
# stderr: pack needs --vocab-size
cn-shard pack < /dev/null
