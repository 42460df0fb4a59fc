# a closed downstream pipe ends cn-mix quietly: SIGPIPE (141) or 0, no message
. "$TOP/tests/cli/lib.sh"
cn-shard pack --vocab-size 1000 -o big.tok <(for i in $(seq 3000); do echo "{\"ids\": [$((i % 900)), 2, 3, 4, 5, 6, 7, 8, 9, 10]}"; done)
{ cn-mix -q --tokens 10M 1:big.tok 2>err.txt || echo $? > rc; } | head -c 100 > /dev/null
[ ! -e rc ] || [ "$(cat rc)" = 141 ]
[ ! -s err.txt ]
