# binary output to a terminal is refused without -f (script gives a pseudo-terminal)
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
expect 2 script -qec "cn-mix 1:a.tok" /dev/null > log.txt 2>&1
grep -q 'refusing to write binary data to a terminal' log.txt
