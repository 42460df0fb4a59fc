# stderr: vocab_size 2000 is larger than the first input's 1000
. "$TOP/tests/cli/lib.sh"; mkshard a.tok 1000; mkshard b.tok 2000
expect 1 cn-shard cat --force a.tok b.tok > out.tok
