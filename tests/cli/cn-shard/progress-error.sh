# with a progress line drawn, an error still starts on a clean line
. "$TOP/tests/cli/lib.sh"
cn-shard pack -q --vocab-size 1000 -o big.tok <(for i in $(seq 200000); do echo "{\"ids\": [$((i % 900)), 2, 3]}"; done)
head -c $(( $(stat -c %s big.tok) - 5 )) big.tok > cut.tok
CN_PROGRESS=1 expect 1 cn-shard stat cut.tok 2> err.txt > /dev/null
grep -q $'\r''cn-shard: [0-9]* docs' err.txt || exit 1     # progress was drawn
grep -q $'\r\033\\[K''cn-shard: cut.tok: byte [0-9]*: truncated shard' err.txt   # cleared before the message
