# exit: 2
# stderr: ^cn-score: --shots needs --dev FILE, the examples to draw from$
echo '{"question": "q", "choices": ["a", "b"], "answer": 0}' > q.jsonl
cn-score mc -m m --shots 2 q.jsonl
