# Every CRC-32C implementation (table, SSE4.2 three lanes, VPCLMULQDQ folding
# where the CPU has it) against the bitwise reference, and the shard tests on each.
set -euo pipefail
for impl in table sse42 best; do
    echo "== $impl"
    CN_CRC_IMPL=$impl "$BUILD/tests/test_crc"
    CN_CRC_IMPL=$impl "$BUILD/tests/test_shard"
done
