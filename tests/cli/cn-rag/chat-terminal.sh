# chat on a terminal (script gives it one): a line a turn, the answers on
# stdout, /reset, Ctrl-D ends
. $TOP/tests/cli/cn-rag/common.inc
printf 'Hello there\nWhat is a latch?\n/reset\nHi\n\004' |
    script -qec "cn-rag chat -m m --template chatml --max-new-tokens 6 --system 'Be brief.'" /dev/null > out.txt
grep -q 'chatting with m (template chatml' out.txt
test "$(grep -c '> ' out.txt)" -ge 4
