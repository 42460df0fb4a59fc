# stderr: ^cn-mix: t.tok.zst: truncated zstd frame$
. "$TOP/tests/cli/lib.sh"
cn-shard pack --vocab-size 1000 -o big.tok.zst <(for i in $(seq 2000); do echo "{\"ids\": [$((i % 900)), 2, 3, 4, 5, 6, 7]}"; done)
head -c 200 big.tok.zst > t.tok.zst
expect 1 cn-mix 1:t.tok.zst > out.tok
