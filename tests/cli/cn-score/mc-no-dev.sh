# stderr: ^cn-score: --shots needs --dev FILE, the examples to draw from$
. "$TOP/tests/cli/lib.sh"
echo '{"question": "q", "choices": ["a", "b"], "answer": 0}' > q.jsonl
expect 2 cn-score mc -m m --shots 2 q.jsonl
