#!/usr/bin/env bash
# pipelines/ask.sh: N questions spread evenly over a chat set or a
# multiple-choice set (plain or zstd), each the question alone with its
# reference, or (draw) the records as they are; usage errors exit 2, too few
# records 1. dapt-summary.sh turns
# cn-score exact's lines into the chat table.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ask=$TOP/pipelines/ask.sh
for i in 0 1 2 3 4 5; do
    printf '{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q%d é"}, {"role": "assistant", "content": "A%d"}]}\n' $i $i
done > chat.jsonl
"$ask" chat 3 chat.jsonl > a.jsonl
cat a.jsonl
[ "$(wc -l < a.jsonl)" = 3 ]
grep -q '^{"messages":\[{"content":"S","role":"system"},{"content":"Q0 é","role":"user"}\],"reference":"A0"}$' a.jsonl
grep -q '"Q2 é".*"reference":"A2"' a.jsonl
grep -q '"Q4 é".*"reference":"A4"' a.jsonl
printf '{"question": "Q", "choices": ["a", "b", "c"], "answer": 2}\n{"question": "R", "choices": ["d", "e"], "answer": 0}\n' > mc.jsonl
zstd -q mc.jsonl -o mc.jsonl.zst
"$ask" mc 2 mc.jsonl.zst > m.jsonl
[ "$(sed -n 1p m.jsonl)" = '{"messages":[{"content":"Q","role":"user"}],"reference":"c"}' ]
[ "$(sed -n 2p m.jsonl)" = '{"messages":[{"content":"R","role":"user"}],"reference":"d"}' ]
# draw: the records as they are
"$ask" draw 1 mc.jsonl.zst > d.jsonl
[ "$(cat d.jsonl)" = '{"question": "Q", "choices": ["a", "b", "c"], "answer": 2}' ]
rc=0; "$ask" mc 3 mc.jsonl > x 2> err || rc=$?
[ $rc = 1 ]
grep -q 'mc.jsonl: 2 records, fewer than the 3 asked' err
for bad in "chat 0 chat.jsonl" "quiz 1 chat.jsonl" "chat 1"; do
    rc=0; "$ask" $bad > x 2> err || rc=$?
    [ $rc = 2 ]
    grep -q '^Usage: ask.sh' err
done
rc=0; "$ask" chat 1 missing.jsonl > x 2> err || rc=$?
[ $rc = 1 ]
grep -q 'missing.jsonl: cannot read it' err
# a chat record that ends with the user's turn has no reference
printf '{"messages": [{"role": "user", "content": "Q"}]}\n' > open.jsonl
rc=0; "$ask" chat 1 open.jsonl > x 2> err || rc=$?
[ $rc = 1 ]
grep -q "ask.sh: line 1: the last message is not an answer" err
# the summary's table from cn-score exact's lines (beside the others it needs)
{
    for d in domain general; do
        echo "{\"task\": \"unigram\", \"metric\": \"bits_per_byte\", \"value\": 4, \"model\": \"w/base-general-train.tok\", \"data\": \"w/base-$d-heldout.tok\"}"
        echo "{\"task\": \"ppl\", \"metric\": \"bits_per_byte\", \"value\": 3, \"model\": \"w/base\", \"data\": \"w/base-$d-heldout.tok\"}"
        for s in 1 2; do
            echo "{\"task\": \"ppl\", \"metric\": \"bits_per_byte\", \"value\": 2.9, \"model\": \"w/dapt-aug-s$s\", \"data\": \"w/aug-$d-heldout.tok\"}"
        done
        echo "{\"task\": \"tokens\", \"metric\": \"token_change\", \"value\": -0.04, \"data\": \"$d-heldout.jsonl.zst\", \"kind\": \"all\"}"
    done
    for m in base dapt-aug-s1 sft-aug; do
        for x in acc acc_norm; do
            echo "{\"task\": \"mc\", \"metric\": \"$x\", \"value\": 0.25, \"n\": 830, \"ci95\": [0.2, 0.3], \"model\": \"w/$m\", \"data\": \"mc-test.jsonl.zst\"}"
        done
        echo "{\"task\": \"mc\", \"metric\": \"chance\", \"value\": 0.25, \"n\": 830, \"model\": \"w/$m\", \"data\": \"mc-test.jsonl.zst\"}"
    done
    cat <<'S'
{"task": "exact", "metric": "exact_match", "value": 0.62, "n": 50, "data": "w/answers-aug-train.jsonl"}
{"task": "exact", "metric": "empty", "value": 0, "n": 50, "data": "w/answers-aug-train.jsonl"}
{"task": "exact", "metric": "exact_match", "value": 0.04, "n": 50, "data": "w/answers-aug-test.jsonl"}
{"task": "exact", "metric": "empty", "value": 0.02, "n": 50, "data": "w/answers-aug-test.jsonl"}
S
} > scores.jsonl
"$TOP/pipelines/dapt-summary.sh" scores.jsonl "1 2" aug > summary.md
cat summary.md
grep -q '^| its training questions | 50 | 0.620 | 0.000 |$' summary.md
grep -q '^| test questions (the right choice) | 50 | 0.040 | 0.020 |$' summary.md
