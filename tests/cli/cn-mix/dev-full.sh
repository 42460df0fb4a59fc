# stderr: ^cn-mix: <stdout>: write error: No space left on device$
. "$TOP/tests/cli/lib.sh"
cn-shard pack --vocab-size 1000 -o big.tok <(for i in $(seq 3000); do echo "{\"ids\": [$((i % 900)), 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]}"; done)
expect 1 cn-mix -q --tokens 2M 1:big.tok > /dev/full
