# chat -o FILE: the answers go to FILE.part a line each as they come, and
# onto FILE at the end. A run killed (SIGKILL, twice) or stopped (SIGTERM)
# mid-run keeps its whole answers in FILE.part; --resume continues it, and
# the answers equal an uninterrupted run's byte for byte (sampled, so each
# conversation's random stream must not depend on where the run began).
# FILE.part is never overwritten without --resume, nor continued with other
# settings or other conversations.
. $TOP/tests/cli/cn-rag/common.inc
export OMP_NUM_THREADS=1
for i in $(seq 600); do echo "{\"messages\": [{\"role\": \"user\", \"content\": \"What does cell $i do?\"}], \"id\": $i}"; done > in.jsonl
args=(-m m --template chatml --max-new-tokens 48 --min-new-tokens 48 --temperature 1 --seed 5)
run=(cn-rag chat -q "${args[@]}")
"${run[@]}" -o ref.jsonl in.jsonl
[ "$(wc -l < ref.jsonl)" = 600 ]
if [ -e ref.jsonl.part ]; then echo "ref.jsonl.part left after a whole run"; exit 1; fi

# answers N: the whole answers in out.jsonl.part (its lines after the header)
answers() { echo $(( $(wc -l < out.jsonl.part) - 1 )); }
# kill_at N SIG: starts a run (continuing with --resume when out.jsonl.part
# is there), sends SIG once it has N answers; its exit status in $st
kill_at() {
    local more=()
    [ -e out.jsonl.part ] && more=(--resume)
    "${run[@]}" -o out.jsonl "${more[@]}" in.jsonl 2> err &
    local pid=$! i
    for i in $(seq 1000); do
        if [ -e out.jsonl.part ] && [ "$(answers)" -ge "$1" ]; then break; fi
        sleep 0.01
    done
    kill -s "$2" $pid
    st=0
    wait $pid || st=$?
}
# mid_run: the run was stopped strictly inside: some answers, not all, and
# no out.jsonl
mid_run() {
    local n
    n=$(answers)
    if [ "$n" -le 0 ] || [ "$n" -ge 600 ]; then echo "the stop did not land mid-run: $n answers of 600"; exit 1; fi
    if [ -e out.jsonl ]; then echo "out.jsonl written by a stopped run"; exit 1; fi
}

# SIGKILL at two points, then --resume to the end
kill_at 40 KILL
[ $st = 137 ]
mid_run
first=$(answers)
kill_at $((first + 60)) KILL
[ $st = 137 ]
mid_run
[ "$(answers)" -gt "$first" ]
"${run[@]}" -o out.jsonl --resume in.jsonl
cmp out.jsonl ref.jsonl
if [ -e out.jsonl.part ]; then echo "out.jsonl.part left after the resumed run"; exit 1; fi
rm out.jsonl

# SIGTERM: exit 143, whole lines only, and a note with the command that
# continues the run, which gives the same answers
kill_at 40 TERM
[ $st = 143 ]
mid_run
n=$(answers)
[ "$(tail -c 1 out.jsonl.part | od -An -c | tr -d ' ')" = '\n' ]
cp err term.err
grep -qx "cn-rag: interrupted; out.jsonl.part keeps $n answers: continue with: cn-rag chat -q -m m --template chatml --max-new-tokens 48 --min-new-tokens 48 --temperature 1 --seed 5 -o out.jsonl in.jsonl --resume" err
cp out.jsonl.part kept
# refused, and out.jsonl.part left as it was: a run without --resume, one
# with other settings, one with other conversations
expect 1 "${run[@]}" -o out.jsonl in.jsonl 2> err
grep -q "^cn-rag: out.jsonl.part: the answers of an earlier run are kept there: --resume continues them" err
expect 2 "${run[@]}" -o out.jsonl --resume --seed 6 in.jsonl 2> err
grep -q '^cn-rag: --seed "6" here, but out.jsonl.part was begun with "5"' err
expect 2 "${run[@]}" -o out.jsonl --resume --threads 2 in.jsonl 2> err
grep -q '^cn-rag: --threads 2 here, but out.jsonl.part was begun with 1' err
sed 's/cell 7 /cell 70 /' in.jsonl > other.jsonl
expect 1 "${run[@]}" -o out.jsonl --resume other.jsonl 2> err
grep -qx "cn-rag: out.jsonl.part:8: not the answer to other.jsonl:7 (the conversations changed?): remove out.jsonl.part to start again" err
head -3 in.jsonl > few.jsonl
expect 1 "${run[@]}" -o out.jsonl --resume few.jsonl 2> err
grep -q "^cn-rag: out.jsonl.part: holds $n answers, but the conversations are 3" err
[ "$(wc -l < err)" = 1 ] # (and no note on continuing with these)
cmp kept out.jsonl.part
# the command the note gives
cmd=$(sed -n 's/^cn-rag: interrupted; .* continue with: //p' term.err)
eval "$cmd"
cmp out.jsonl ref.jsonl
if [ -e out.jsonl.part ]; then echo "out.jsonl.part left after the resumed run"; exit 1; fi

# --resume where there is nothing to continue: begun afresh, said so
cn-rag chat "${args[@]}" -o new.jsonl --resume in.jsonl 2> err
grep -qx "cn-rag: note: no answers kept in new.jsonl.part: begun afresh" err
cmp new.jsonl ref.jsonl
# --resume needs a file's answers
expect 2 "${run[@]}" --resume in.jsonl > /dev/null 2> err
grep -q "^cn-rag: --resume continues the answers to JSONL conversations in -o FILE" err
expect 2 "${run[@]}" -o /dev/null --resume in.jsonl 2> err
grep -q "^cn-rag: --resume continues the answers to JSONL conversations in -o FILE" err
expect 2 cn-rag --no-retrieval -m m --resume -o x -p hi 2> err
grep -q "^cn-rag: --resume is for chat's answers" err
