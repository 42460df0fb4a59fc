# --decode gives the text back (byte-level: exactly)
. "$TOP/tests/cli/lib.sh"
printf '{"text": "module top; endmodule\\n"}\n{"text": "caf\\u00e9 \\u6c49\\u5b57 \\ud83d\\ude00"}\n' > in.jsonl
cn-tokenize -q -t $DATA/tok/tiny-bytelevel.json in.jsonl | cn-tokenize -q -t $DATA/tok/tiny-bytelevel.json --decode > back.jsonl
[ "$(wc -l < back.jsonl)" = 2 ]
head -1 back.jsonl | grep -qx '{"text": "module top; endmodule\\n"}'
