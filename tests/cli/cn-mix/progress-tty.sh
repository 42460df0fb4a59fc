# the progress line appears when forced as on a terminal, and not otherwise
. "$TOP/tests/cli/lib.sh"
cn-shard pack --vocab-size 1000 -o big.tok <(for i in $(seq 3000); do echo "{\"ids\": [$((i % 900)), 2, 3]}"; done)
CN_PROGRESS=1 cn-mix --tokens 30M 1:big.tok 2>err.txt >/dev/null
grep -q $'\r''cn-mix: [0-9]* docs' err.txt
cn-mix --tokens 30M 1:big.tok 2>err2.txt >/dev/null
if grep -q $'\r' err2.txt; then exit 1; fi
