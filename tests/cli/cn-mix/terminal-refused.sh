# binary output to a terminal is refused without -f (script gives a pseudo-terminal)
# exit: 0
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
command -v script >/dev/null || exit 0
script -qec "cn-mix 1:a.tok" /dev/null > log.txt 2>&1
grep -q 'refusing to write binary data to a terminal' log.txt
