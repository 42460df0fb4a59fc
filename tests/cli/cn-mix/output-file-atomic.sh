# -o writes atomically: a failed run leaves no file and no temporary behind
# exit: 1
# stderr: record CRC mismatch
. "$TOP/tests/cli/lib.sh"; mkshard a.tok; mkshard b.tok
flip b.tok 76
cn-mix -o out.tok 1:a.tok 1:b.tok
rc=$?
[ ! -e out.tok ] && ! ls | grep -q tmp || exit 99
exit $rc
