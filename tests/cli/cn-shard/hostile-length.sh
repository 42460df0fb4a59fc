# a record header claiming 2^28 ids in a tiny file: a truncated shard, found
# without allocating what the header claims
# stderr: truncated shard
. "$TOP/tests/cli/lib.sh"
printf '{"ids": [1]}\n' > x.jsonl
cn-shard pack -q --vocab-size 100000 -o x.tok x.jsonl
printf '\x00\x00\x00\x10' | dd of=x.tok bs=1 seek=64 conv=notrunc status=none
case $BUILD in *san*) ;; *) ulimit -v 400000 ;; esac
cat x.tok | expect 1 cn-shard stat
