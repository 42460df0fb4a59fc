# Megatron documents that are only the EOS id have no tokens: they are no
# documents for --tokens, --skip-docs or the counts
. "$TOP/tests/cli/lib.sh"
printf '{"ids": [7]}\n{"ids": [1, 7]}\n{"ids": [7]}\n{"ids": [2, 3, 7]}\n' > d.jsonl
cn-shard pack -q --vocab-size 100 -o d.tok d.jsonl
cn-shard to-megatron -q --eos none --prefix z d.tok
timeout 10 cn-mix -q --eos 7 --vocab-size 100 --tokens 10 1:z > t.tok || exit 1
cn-shard dump t.tok | head -2 | tr -d '\n' | grep -qx '{"ids": \[1\], "text_bytes": 0}{"ids": \[2, 3\], "text_bytes": 0}' || exit 1
cn-mix -q --eos 7 --vocab-size 100 1:z | cn-shard dump > full.jsonl
cn-mix -q --eos 7 --vocab-size 100 --skip-docs 1 1:z | cn-shard dump > skip.jsonl
[ "$(wc -l < full.jsonl)" = 2 ]
tail -n +2 full.jsonl | cmp - skip.jsonl
