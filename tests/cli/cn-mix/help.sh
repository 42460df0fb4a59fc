# --help prints usage to stdout and exits 0
. "$TOP/tests/cli/lib.sh"
# (into a file: grep -q leaving a pipe early would stop a help of over 4 KB with SIGPIPE)
cn-mix --help > help.txt
grep -q '^Usage: cn-mix' help.txt
