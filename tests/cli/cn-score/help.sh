. "$TOP/tests/cli/lib.sh"
# (into a file: grep -q leaving a pipe early would stop a help of over 4 KB with SIGPIPE)
cn-score --help > help.txt
grep -q '^Usage: cn-score tokens' help.txt
