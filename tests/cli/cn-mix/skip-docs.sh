# --skip-docs N gives the same stream less its first N documents
. "$TOP/tests/cli/lib.sh"; mkshard a.tok; mkshard b.tok
cn-mix -q --tokens 200 1:a.tok 3:b.tok | cn-shard dump > full.jsonl
cn-mix -q --tokens 200 --skip-docs 5 1:a.tok 3:b.tok | cn-shard dump > skipped.jsonl
tail -n +6 full.jsonl | cmp - skipped.jsonl
