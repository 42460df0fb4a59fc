# retrieval's misuse: ask without --index, --embed or --passages without
# it, --index with --no-retrieval, --question with files or in chat,
# --max-new-tokens that leave no room (usage errors, 2); an index searched
# with another encoder, a question line without a question or an empty one,
# malformed JSONL (1, naming the file and line, no output left)
. $TOP/tests/cli/cn-rag/common.inc
. $TOP/tests/cli/cn-embed/common.inc
cn-embed index -q -m enc -o ix --chunk-chars 160 $docs 2> /dev/null
printf '%s\n' '{"question": "What is a flop?"}' > q.jsonl
expect 2 cn-rag ask -m m q.jsonl 2> err; grep -q "give --index INDEX" err
expect 2 cn-rag chat -m m --embed enc q.jsonl 2> err; grep -q "for retrieval: give --index" err
expect 2 cn-rag chat -m m --passages 3 q.jsonl 2> err; grep -q "for retrieval: give --index" err
expect 2 cn-rag --no-retrieval -m m --index ix -p hi 2> err; grep -q "give one" err
expect 2 cn-rag ask -m m --index ix --question hi q.jsonl 2> err; grep -q "give one" err
expect 2 cn-rag chat -m m --index ix --question hi q.jsonl 2> err; grep -q "is ask's" err
expect 2 cn-rag ask -m m --template chipnemo --index ix --max-new-tokens 128 q.jsonl 2> err; grep -q "leaves no room" err
mkenc enc2 8
expect 1 cn-rag ask -m m --template chipnemo --index ix --embed enc2 -o out.jsonl q.jsonl 2> err; grep -q "another encoder than the index's" err
test ! -e out.jsonl
printf '%s\n' '{"question": "What is a flop?"}' '{"id": "x"}' > bad1.jsonl
expect 1 cn-rag ask -q -m m --template chipnemo --index ix --max-new-tokens 8 -o out.jsonl bad1.jsonl 2> err
grep -q 'bad1.jsonl:2: no "question"' err; test ! -e out.jsonl
printf '%s\n' '{"question": ""}' > bad2.jsonl
expect 1 cn-rag ask -q -m m --template chipnemo --index ix --max-new-tokens 8 -o out.jsonl bad2.jsonl 2> err
grep -q 'bad2.jsonl:1: an empty question' err; test ! -e out.jsonl
printf '%s\n' '{"question": "a"}' '{"question": ' > bad3.jsonl
expect 1 cn-rag ask -q -m m --template chipnemo --index ix --max-new-tokens 8 -o out.jsonl bad3.jsonl 2> err
grep -q 'bad3.jsonl:2' err; test ! -e out.jsonl
