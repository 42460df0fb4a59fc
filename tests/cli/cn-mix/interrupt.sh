# Ctrl-C (SIGINT) during -o FILE leaves neither FILE nor a temporary
. "$TOP/tests/cli/lib.sh"
cn-shard pack -q --vocab-size 1000 -o big.tok <(for i in $(seq 3000); do echo "{\"ids\": [$((i % 900)), 2, 3, 4, 5]}"; done)
set -m   # job control: the background job keeps the default SIGINT, as in a terminal
cn-mix -q --tokens 2B 1:big.tok -o out.tok &
pid=$!
for i in $(seq 50); do ls out.tok.tmp.* >/dev/null 2>&1 && break; sleep 0.1; done
ls out.tok.tmp.* >/dev/null   # it had started writing
kill -INT $pid
rc=0
wait $pid || rc=$?
[ $rc = 130 ]   # killed by the signal, mid-run
[ -z "$(ls out.tok* 2>/dev/null)" ]
