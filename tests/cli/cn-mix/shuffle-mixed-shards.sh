# one file whose shards come from two tokenizers is refused, streamed or shuffled
. "$TOP/tests/cli/lib.sh"
echo '{"model": "one"}' > t1.json; echo '{"model": "two"}' > t2.json
mkshard a.tok 1000 t1.json; mkshard b.tok 1000 t2.json
cat a.tok b.tok > ab.tok
expect 1 cn-mix -q 1:ab.tok > o1.tok 2> e1.txt
grep -q 'differs from the first in tokenizer or flags' e1.txt || exit 1
expect 1 cn-mix -q --shuffle 1:ab.tok > o2.tok 2> e2.txt
grep -q 'differ in tokenizer or flags' e2.txt || exit 1
cn-mix -q --force 1:ab.tok > o3.tok
cn-mix -q --force --shuffle 1:ab.tok > o4.tok
