# The hand-written sample documents read cleanly with the JSONL reader.
set -euo pipefail
"$BUILD/tests/jsonl_stats" "$TOP"/samples/docs/*.jsonl
