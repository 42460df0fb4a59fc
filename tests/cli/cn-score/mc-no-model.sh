# exit: 2
# stderr: ^cn-score: no model: give --model DIR$
echo '{"question": "q", "choices": ["a", "b"], "answer": 0}' > q.jsonl
cn-score mc q.jsonl
