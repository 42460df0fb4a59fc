# bad input is refused with exit 1, naming the file and line, and leaves no
# output behind: an empty document or query, malformed query JSONL, an
# index.faiss cut short or of another class, an index without its meta.json,
# a numeric query id, passages that disagree with
# the vectors, an index searched with another encoder; a passage longer
# than the encoder is cut to fit it and counted
. $TOP/tests/cli/cn-embed/common.inc
printf '{"text": "a first document"}\n{"_id": "e", "text": "  \\n "}\n' > empty.jsonl
expect 1 cn-embed index -q -m enc -o ix empty.jsonl 2> err
grep -qx "cn-embed: empty.jsonl:2: an empty document" err
[ ! -e ix ]
printf '{"text": "one"}\n{"txt": "two"}\n' > nofield.jsonl
expect 1 cn-embed index -q -m enc -o ix nofield.jsonl 2> err
grep -q "^cn-embed: nofield.jsonl:2: " err
[ ! -e ix ]
cn-embed index -q -m enc -o ix $docs
# queries: empty, not JSON
printf '{"_id": "q1", "text": "clock domain"}\n{"_id": "q2", "text": ""}\n' > q-empty.jsonl
expect 1 cn-embed search -i ix -o out.jsonl q-empty.jsonl 2> err
grep -qx "cn-embed: q-empty.jsonl:2: an empty query" err
[ ! -e out.jsonl ]
printf '{"_id": "q1", "text": "clock domain"}\n{"_id": "q2", "text": "x"\n' > q-bad.jsonl
expect 1 cn-embed search -i ix -o out.jsonl q-bad.jsonl 2> err
grep -q "^cn-embed: q-bad.jsonl:2: " err
[ ! -e out.jsonl ]
expect 2 cn-embed search -i ix --query " " 2> err
# the index's files damaged
cp -r ix cut && truncate -s -4 cut/index.faiss
expect 1 cn-embed search -i cut --query "clock" -o out.jsonl 2> err
grep -q "^cn-embed: cut/index.faiss: .* rows of 32 need .* bytes, the file has " err
[ ! -e out.jsonl ]
cp -r ix l2 && printf 'IxF2' | dd of=l2/index.faiss bs=1 conv=notrunc status=none
expect 1 cn-embed search -i l2 --query "clock" 2> err
grep -qx "cn-embed: l2/index.faiss: not a FAISS IndexFlatIP file (class IxF2)" err
cp -r ix short && sed -i '$d' short/passages.jsonl
expect 1 cn-embed search -i short --query "clock" 2> err
grep -q "^cn-embed: short/passages.jsonl: .* passages, the vectors " err
cp -r ix halfway && rm halfway/meta.json # an index cut short between its renames
expect 1 cn-embed search -i halfway --query "clock" 2> err
grep -qx "cn-embed: halfway: no meta.json beside index.faiss: an index cut short while written (build it again)" err
printf '{"_id": 7, "text": "clock domain"}\n' > q-num.jsonl
expect 1 cn-embed search -i ix -o out.jsonl q-num.jsonl 2> err
grep -qx "cn-embed: q-num.jsonl:1: '_id' is not a string (BEIR's ids are strings)" err
[ ! -e out.jsonl ]
# a NUL byte in a document stays in its passage (and its JSON), read back whole
printf '{"_id": "z", "text": "clock\\u0000domain crossing"}\n' > nul.jsonl
cn-embed index -q -m enc -o ixz nul.jsonl
grep -qF '"text": "clock\u0000domain crossing"' ixz/passages.jsonl
cn-embed search -i ixz --query "clock" > z.jsonl
grep -qF '"text": "clock\u0000domain crossing"' z.jsonl
expect 1 cn-embed search -i nowhere --query "clock" 2> err
grep -q "^cn-embed: nowhere/meta.json: " err
# another encoder: refused, given or named by a meta.json that was edited
mkenc other 8
expect 1 cn-embed search -i ix -m other --query "clock" -o out.jsonl 2> err
grep -q "^cn-embed: other: another encoder than the index's (ix/meta.json: weights SHA-256 " err
[ ! -e out.jsonl ]
# a passage longer than the encoder's 64 positions: cut, and counted
cn-embed index -m enc -o long --chunk-chars 2000 $SAMPLES/docs/domain.jsonl 2> err
grep -q "^cn-embed: [0-9]* of [0-9]* passages cut to the encoder's 64 positions" err
grep -q '"truncated":	[1-9]' long/meta.json
