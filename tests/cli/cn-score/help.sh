# cn-score --help names the commands; cn-score CMD --help lists exactly the
# options CMD takes (each one it lists is accepted: no "unrecognized option")
. "$TOP/tests/cli/lib.sh"
# (into a file: grep -q leaving a pipe early would stop a help of over 4 KB with SIGPIPE)
cn-score --help > help.txt
grep -q '^Usage: cn-score tokens' help.txt
grep -q '^cn-score CMD --help' help.txt
for cmd in tokens ppl unigram mc exact; do
    grep -q "^       cn-score $cmd \|^Usage: cn-score $cmd " help.txt
    cn-score $cmd --help > $cmd.txt
    grep -q "^Usage: cn-score $cmd " $cmd.txt
    grep -o -- '^  \(-[a-z], \)\?    *--[a-z-]*\|^  -[a-z], --[a-z-]*' $cmd.txt | sed 's/.*\(--[a-z-]*\)$/\1/' > $cmd.opts
    [ "$(wc -l < $cmd.opts)" -ge 4 ]
    grep -q -- '^--help$' $cmd.opts
    # (--help and --version exit 0 before any other check: not run again)
    grep -v -- '^--help$\|^--version$' $cmd.opts > $cmd.check
    while read -r opt; do
        rc=0
        cn-score $cmd $opt < /dev/null > /dev/null 2> err || rc=$?
        [ $rc != 0 ]
        if grep -q "unrecognized option" err; then echo "cn-score $cmd --help lists $opt, which $cmd refuses"; exit 1; fi
    done < $cmd.check
done
# the options of one command are not offered under another
grep -q -- '--tokenizer' tokens.opts
if grep -q -- '--tokenizer\|--table' ppl.opts; then echo "ppl's help lists tokens' options"; exit 1; fi
grep -q -- '--train' unigram.opts
