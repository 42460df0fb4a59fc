# exit: 1
# stderr: ^cn-score: q.jsonl:3: answer 4 is out of range for 4 choices \(0-based\)$
printf '{"question": "q", "choices": ["a", "b"], "answer": 1}\n\n' > q.jsonl
echo '{"question": "r", "choices": ["a", "b", "c", "d"], "answer": 4}' >> q.jsonl
cn-score mc -q -m no-such-model q.jsonl
