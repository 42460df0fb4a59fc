# out-of-range sampling settings are usage errors, each naming its option
. "$TOP/tests/cli/lib.sh"
for args in "--top-p 1.5" "--top-p -0.1" "--temperature -1" "--repetition-penalty 0" "--max-new-tokens 0" \
            "--top-k x" "--seed -3" "--stop="; do
    expect 2 cn-rag --no-retrieval -m m -p hi $args 2>err.txt
    opt=${args%% *}; opt=${opt%%=*}
    grep -q -- "$opt" err.txt
done
