# exit: 2
# stderr: unknown command 'frobnicate'
cn-shard frobnicate
