# -o writes atomically: a failed run leaves no file and no temporary behind
# stderr: record CRC mismatch
. "$TOP/tests/cli/lib.sh"; mkshard a.tok; mkshard b.tok
flip b.tok 76
expect 1 cn-mix -o out.tok 1:a.tok 1:b.tok
[ ! -e out.tok ]
[ -z "$(ls | grep tmp)" ]
