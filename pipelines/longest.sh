#!/usr/bin/env bash
# longest.sh N MAX FILE: the N longest documents of kind "doc" in FILE (JSONL,
# plain or zstd) whose text is at most MAX bytes, longest first (ties by id):
# long reports for cn-rag summarize that a demo can afford.
set -euo pipefail
if [ $# -ne 3 ]; then echo "usage: longest.sh N MAX FILE" >&2; exit 2; fi
zstdcat -f -- "$3" | python3 -c '
import json, sys
n, cap = int(sys.argv[1]), int(sys.argv[2])
docs = []
for line in sys.stdin:
    d = json.loads(line)
    size = len(d["text"].encode())
    if d.get("kind") == "doc" and size <= cap:
        docs.append((-size, d.get("id", ""), line))
for _, _, line in sorted(docs)[:n]:
    sys.stdout.write(line)
' "$1" "$2"
