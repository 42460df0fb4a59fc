# a closed downstream pipe ends cn-mix quietly: SIGPIPE (141) or 0, no message
# exit: 0
. "$TOP/tests/cli/lib.sh"
cn-shard pack --vocab-size 1000 -o big.tok <(for i in $(seq 3000); do echo "{\"ids\": [$((i % 900)), 2, 3, 4, 5, 6, 7, 8, 9, 10]}"; done)
set -o pipefail
cn-mix -q --tokens 10M 1:big.tok 2>err.txt | head -c 100 > /dev/null
rc=$?
[ "$rc" = 141 ] || [ "$rc" = 0 ] || exit 1
[ ! -s err.txt ]
