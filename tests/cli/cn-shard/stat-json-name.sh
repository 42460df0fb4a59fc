# file names are JSON-escaped in stat's output
. "$TOP/tests/cli/lib.sh"; mkshard 'we"ird\name.tok'
cn-shard stat 'we"ird\name.tok' | grep -qF '{"file": "we\"ird\\name.tok", "shards": 1'
