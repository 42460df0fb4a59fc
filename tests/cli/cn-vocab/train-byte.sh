# the size asked, <|endoftext|> last, the same output twice, and round trip
. "$TOP/tests/cli/lib.sh"
for i in 1 2 3 4 5 6 7 8 9 10; do echo '{"text": "the cat sat on the mat; the dog sat on the log"}'; done > in.jsonl
cn-vocab train -q --type byte-bpe --vocab-size 270 in.jsonl -o a.json
cn-vocab train -q --type byte-bpe --vocab-size 270 < in.jsonl > b.json
cmp a.json b.json
grep -q '"<|endoftext|>":269' a.json
cn-tokenize -q -t a.json in.jsonl | cn-tokenize -q -t a.json --decode > back.jsonl
test "$(head -1 back.jsonl)" = '{"text": "the cat sat on the mat; the dog sat on the log"}'
