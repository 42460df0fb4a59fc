# out-of-range sampling settings are usage errors, each naming its option
# exit: 0
for args in "--top-p 1.5" "--top-p -0.1" "--temperature -1" "--repetition-penalty 0" "--max-new-tokens 0" \
            "--top-k x" "--seed -3" "--stop="; do
    set +e
    cn-rag --no-retrieval -m m -p hi $args 2>err.txt
    rc=$?
    set -e
    [ $rc = 2 ] || { echo "$args: exit $rc"; exit 1; }
    opt=${args%% *}; opt=${opt%%=*}
    grep -q -- "$opt" err.txt || { echo "$args: $(cat err.txt)"; exit 1; }
done
