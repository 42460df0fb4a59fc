# sampling: the same --seed the same text, other seeds other texts
. $TOP/tests/cli/cn-rag/common.inc
run() { cn-rag --no-retrieval -q -m m -p "A flip-flop" --max-new-tokens 40 --temperature 1 --top-k 100 --top-p 0.95 "$@"; }
run --seed 1 > a.txt
run --seed 1 > b.txt
run --seed 2 > c.txt
run --seed 3 > d.txt
cmp a.txt b.txt
if cmp -s a.txt c.txt && cmp -s a.txt d.txt; then exit 1; fi
# top-k 1 is greedy, whatever the seed
cn-rag --no-retrieval -q -m m -p "A flip-flop" --max-new-tokens 40 > g.txt
run --seed 5 --top-k 1 > k.txt
cmp g.txt k.txt
