# --log's tokens_per_s is each step's own speed, not a mean since the start:
# the data arrives on a pipe in two halves; the feeder holds the second back
# until the run has stood still for a while, so one step waits 2 s or more;
# the step after it runs at full speed again (a mean since the start could
# rise by at most (k+1)/k from one step to the next)
. $TOP/tests/cli/cn-pretrain/common.inc
cn-mix -q --tokens 5000 1:data.tok > all.tok   # 60 steps take 3,840 tokens
half=$(($(stat -c %s all.tok) / 2))
steps() { if [ -e o.log ]; then wc -l < o.log; else echo 0; fi; }
feed() {
    head -c $half all.tok
    local n=-1 i
    for i in $(seq 600); do # until the log stops growing: the run waits for data
        if [ "$(steps)" = "$n" ] && [ "$n" -gt 0 ]; then break; fi
        n=$(steps)
        sleep 0.5
    done
    sleep 1.5
    # (the run may end before reading the rest: the pipe closed, 141, is expected)
    tail -c +$((half + 1)) all.tok || [ $? = 141 ]
}
feed | cn-pretrain -q --config cfg.json -t $DATA/tok/tiny-spm.json --steps 60 --seq-len 32 --micro-batch 2 --threads 1 --out o --log o.log -
[ "$(wc -l < o.log)" = 60 ]
sed 's/.*"tokens_per_s": \([0-9.]*\).*/\1/' o.log | awk '
    NR > 1 && prev < 64 / 1.9 && $1 > 10 * prev { jump = 1 }   # the waiting step: 64 tokens in 2 s or more
    { prev = $1 }
    END { if (!jump) { print "no step at full speed right after the one that waited"; exit 1 } }'
