# stderr: ^cn-score: q.jsonl:3: answer 4 is out of range for 4 choices \(0-based\)$
. "$TOP/tests/cli/lib.sh"
printf '{"question": "q", "choices": ["a", "b"], "answer": 1}\n\n' > q.jsonl
echo '{"question": "r", "choices": ["a", "b", "c", "d"], "answer": 4}' >> q.jsonl
expect 1 cn-score mc -q -m no-such-model q.jsonl
