# pipelines/tokenize.sh: GNU parallel over files gives, concatenated in input
# order, the same documents as one cn-tokenize run
set -euo pipefail
T=$DATA/tok/tiny-bytelevel.json
for f in a b c d e; do
    for i in $(seq 200); do echo "{\"text\": \"file $f line $i: assign y$i = a & b;\"}"; done > $f.jsonl
done
: > empty.jsonl
"$TOP/pipelines/tokenize.sh" -t "$T" -o par.tok -j 3 a.jsonl b.jsonl empty.jsonl c.jsonl d.jsonl e.jsonl
cn-tokenize -q -t "$T" a.jsonl b.jsonl empty.jsonl c.jsonl d.jsonl e.jsonl -o one.tok
cn-shard stat par.tok | grep -q '"shards": 6, "docs": 1000'
cmp <(cn-shard dump par.tok) <(cn-shard dump one.tok)
# --help is the header comment, every line of it and nothing of the code
"$TOP/pipelines/tokenize.sh" --help > help.txt
grep -q '^Each job runs cn-tokenize' help.txt
if grep -q 'set -euo\|^#' help.txt; then cat help.txt; exit 1; fi
