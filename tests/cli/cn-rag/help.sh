. "$TOP/tests/cli/lib.sh"
# (into a file: grep -q leaving a pipe early would stop a help of over 4 KB with SIGPIPE)
cn-rag --help > help.txt
grep -q '^Usage: cn-rag --no-retrieval --model DIR' help.txt
grep -q -- '--repetition-penalty' help.txt
cn-rag --version > version.txt
grep -q '^cn-rag ' version.txt
