# cn-score exact: answers as cn-rag chat writes them, each against its
# "reference" (a string, or a list any of which counts), white space at both
# ends left out; exact_match and the share of empty answers; a line without a
# reference or an answer is an error naming FILE:LINE; files one by one
. "$TOP/tests/cli/lib.sh"
u='{"role": "user", "content": "Q"}'
cat > a.jsonl <<EOF2
{"messages": [$u, {"role": "assistant", "content": "opt_clean"}], "reference": "opt_clean"}
{"messages": [$u, {"role": "assistant", "content": " opt_clean\n"}], "reference": "opt_clean"}
{"messages": [$u, {"role": "assistant", "content": "opt_expr"}], "reference": "opt_clean", "id": 3}
{"messages": [$u, {"role": "assistant", "content": ""}], "reference": "x"}
{"messages": [$u, {"role": "assistant", "content": "B"}], "reference": ["A", "B"]}
{"messages": [$u, {"role": "assistant", "content": "Opt_clean"}], "reference": ["opt_clean"]}
EOF2
head -2 a.jsonl > b.jsonl
cn-score exact a.jsonl b.jsonl > out.jsonl
cat out.jsonl
[ "$(wc -l < out.jsonl)" = 4 ]
grep -q '^{"task": "exact", "metric": "exact_match", "value": 0.5, "n": 6, "data": "a.jsonl"}$' out.jsonl
grep -q '^{"task": "exact", "metric": "empty", "value": 0.16666666666666666, "n": 6, "data": "a.jsonl"}$' out.jsonl
grep -q '^{"task": "exact", "metric": "exact_match", "value": 1, "n": 2, "data": "b.jsonl"}$' out.jsonl
cn-score exact -q -o out2.jsonl a.jsonl b.jsonl
cmp out.jsonl out2.jsonl
# errors: no reference, a last message that is not an answer, no file, no answers
printf '{"messages": [%s, {"role": "assistant", "content": "x"}]}\n' "$u" > c.jsonl
expect 1 cn-score exact -o x.jsonl a.jsonl c.jsonl 2> err
grep -q '^cn-score: c.jsonl:1: no "reference"' err
[ ! -e x.jsonl ]
printf '{"messages": [%s], "reference": "x"}\n' "$u" > d.jsonl
expect 1 cn-score exact d.jsonl 2> err
grep -q '^cn-score: d.jsonl:1: no answer (an "answer" string, or an assistant' err
: > e.jsonl
expect 1 cn-score exact e.jsonl 2> err
grep -q 'e.jsonl: no answers' err
expect 2 cn-score exact 2> err
grep -q 'no answers: give the JSONL files cn-rag chat wrote' err
