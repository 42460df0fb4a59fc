# stderr: ^cn-score: no model: give --model DIR$
. "$TOP/tests/cli/lib.sh"
echo '{"question": "q", "choices": ["a", "b"], "answer": 0}' > q.jsonl
expect 2 cn-score mc q.jsonl
