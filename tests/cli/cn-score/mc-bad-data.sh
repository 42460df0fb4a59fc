# every kind of bad question: exit 1 and one line naming the file and line
. "$TOP/tests/cli/lib.sh"
bad() { # RECORD PATTERN
    printf '{"question": "ok", "choices": ["a", "b"], "answer": 0}\n%s\n' "$1" > q.jsonl
    expect 1 cn-score mc -q -m no-such-model q.jsonl 2> err
    test "$(wc -l < err)" = 1
    grep -Eq "^cn-score: $2\$" err
}
bad '{"choices": ["a", "b"], "answer": 0}' "q.jsonl:2: missing field 'question'"
bad '{"question": 3, "choices": ["a", "b"], "answer": 0}' "q.jsonl:2: non-string field 'question'"
bad '{"question": "q", "answer": 0}' "q.jsonl:2: missing field 'choices'"
bad '{"question": "q", "choices": "a b", "answer": 0}' "q.jsonl:2: non-array field 'choices'"
bad '{"question": "q", "choices": ["a"], "answer": 0}' "q.jsonl:2: 1 choices: a question needs at least two"
bad '{"question": "q", "choices": ["a", 2], "answer": 0}' "q.jsonl:2: choice 1 is not a string"
bad '{"question": "q", "choices": ["a", ""], "answer": 0}' "q.jsonl:2: choice 1 is empty"
bad '{"question": "q", "choices": ["a", "b"]}' "q.jsonl:2: missing field 'answer'"
bad '{"question": "q", "choices": ["a", "b"], "answer": "A"}' "q.jsonl:2: non-numeric field 'answer'"
bad '{"question": "q", "choices": ["a", "b"], "answer": 0.5}' "q.jsonl:2: answer 0.5 is not an index"
bad '{"question": "q", "choices": ["a", "b"], "answer": -1}' "q.jsonl:2: answer -1 is out of range for 2 choices \(0-based\)"
bad '["q", ["a", "b"], 0]' "q.jsonl:2: not a JSON object"
bad "$(printf '{"question": "\xff", "choices": ["a", "b"], "answer": 0}')" "q.jsonl:2: invalid UTF-8 at byte 15"
# no questions at all; a dev file is checked as the data is
: > empty.jsonl
expect 1 cn-score mc -q -m no-such-model empty.jsonl 2> err
grep -q '^cn-score: empty.jsonl: no questions$' err
echo '{"question": "ok", "choices": ["a", "b"], "answer": 0}' > q.jsonl
echo '{"question": "ok", "choices": ["a", "b"], "answer": 2}' > dev.jsonl
expect 1 cn-score mc -q -m no-such-model --shots 1 --dev dev.jsonl q.jsonl 2> err
grep -q '^cn-score: dev.jsonl:1: answer 2 is out of range for 2 choices (0-based)$' err
# --limit stops reading: a bad line after it is never seen
printf '{"question": "ok", "choices": ["a", "b"], "answer": 0}\n{"question": 1}\n' > q.jsonl
expect 1 cn-score mc -q -m no-such-model --limit 1 q.jsonl 2> err
grep -q '^cn-score: no-such-model: ' err
