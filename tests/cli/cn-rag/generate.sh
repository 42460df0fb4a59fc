# a continuation from a tiny model: greedy is repeatable, fp32 from the
# prompt or stdin alike; --bf16 runs; the text ends with one newline
# stderr-empty
. $TOP/tests/cli/cn-rag/common.inc
cn-rag --no-retrieval -q -m m -p "The design of the chip" --max-new-tokens 24 > a.txt
cn-rag --no-retrieval -q -m m -p "The design of the chip" --max-new-tokens 24 --threads 1 > b.txt
printf 'The design of the chip\n' | cn-rag --no-retrieval -q -m m --max-new-tokens 24 > c.txt
cmp a.txt b.txt
cmp a.txt c.txt
test "$(wc -l < a.txt)" = 1
test "$(wc -c < a.txt)" -gt 10
cn-rag --no-retrieval -q -m m -p "The design of the chip" --max-new-tokens 24 --echo > e.txt
test "$(cat e.txt)" = "The design of the chip$(cat a.txt)"
cn-rag --no-retrieval -q -m m -p "The design of the chip" --max-new-tokens 24 --bf16 > f.txt
test "$(wc -l < f.txt)" = 1
# a prompt longer than the context is an error
expect 1 cn-rag --no-retrieval -q -m m -p "$(printf 'chip %.0s' $(seq 300))" 2> err.txt
grep -q 'the context 128' err.txt
