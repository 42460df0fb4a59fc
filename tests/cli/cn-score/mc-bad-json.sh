# stderr: ^cn-score: q.jsonl:2: malformed JSON at column [0-9]+$
# the questions are read and checked before the model is loaded
. "$TOP/tests/cli/lib.sh"
printf '{"question": "q", "choices": ["a", "b"], "answer": 0}\n{"question": "q", "choices": ["a", "b"\n' > q.jsonl
expect 1 cn-score mc -q -m no-such-model q.jsonl
