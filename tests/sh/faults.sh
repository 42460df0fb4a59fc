#!/usr/bin/env bash
# timeout: 400
# The fault matrix: every tool that writes files (cn-tokenize, cn-mix,
# cn-shard, cn-vocab, cn-pretrain, cn-sft, cn-score, cn-rag, cn-embed encode,
# cn-retrain; cn-export, which reads a model directory, against the first
# two and a missing model), each against:
#   /dev/full            output to a device with no space: exit 1
#   full disk            output into a filesystem that fills up mid-write (a
#                        4 KB tmpfs mounted here; where mounting is refused,
#                        ulimit -f with SIGXFSZ ignored): exit 1
#   closed pipe          stdout into `head -c 1`: ends quietly, 0 or 141
#   missing, unreadable  an input that is not there, or a directory: exit 1
#   SIGINT, SIGTERM      mid-write (the input held open on a pipe, so the
#                        signal lands while the output is being written): a
#                        non-zero exit; trainers checkpoint on SIGTERM and
#                        exit 0 (DESIGN.md), and stop without a new
#                        checkpoint on SIGINT
# Every failure is one line on stderr naming the file, and leaves no partial
# output: no file the tool was to write, no temporary, no checkpoint dir.
# cn-rag chat -o FILE is the one tool that keeps results as it goes: its
# answers so far stay in FILE.part, whole lines only, for --resume, and a
# second line says so (never FILE itself).
set -euo pipefail
. "$TOP/tests/cli/lib.sh"
tok=$DATA/tok/tiny-spm.json
export OMP_NUM_THREADS=1

# ---- inputs: documents, shards, ids, questions, chats, a tiny model ----
awk 'BEGIN { srand(1); split("module wire assign clk reset always posedge begin end reg input output timing slack netlist cell via", w);
             for (i = 0; i < 4000; i++) { s = w[int(rand() * 17) + 1]; for (k = 0; k < 40; k++) s = s " " w[int(rand() * 17) + 1];
                                           printf "{\"text\": \"%s\"}\n", s } }' > docs.jsonl
cn-tokenize -q -t "$tok" docs.jsonl -o big.tok
cn-shard dump -q big.tok > ids.jsonl
for i in 1 2 3 4 5 6 7 8; do cat "$DATA/mc/questions.jsonl"; done > mc.jsonl
for i in $(seq 20); do echo "{\"messages\": [{\"role\": \"user\", \"content\": \"What does the cell $i do?\"}]}"; done > chats.jsonl
for i in $(seq 20); do echo "{\"messages\": [{\"role\": \"user\", \"content\": \"What does the cell $i do?\"}, {\"role\": \"assistant\", \"content\": \"It drives net $i.\"}]}"; done > sft.jsonl
cat > cfg.json <<'CFG'
{"model_type": "llama", "hidden_size": 24, "intermediate_size": 40, "num_hidden_layers": 2, "num_attention_heads": 4,
 "num_key_value_heads": 2, "vocab_size": 650, "max_position_embeddings": 128, "bos_token_id": 1, "eos_token_id": 2}
CFG
cn-pretrain -q --config cfg.json -t "$tok" --out m --steps 2 --seq-len 32 big.tok
printf '{"chat_template_name": "chatml", "bos_token": "<s>", "eos_token": "</s>"}\n' > m/tokenizer_config.json
mkdir adir
# a tiny BERT encoder and retriever examples (a document's first words, it, another)
cat > enc.json <<'CFG'
{"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
 "num_attention_heads": 4, "vocab_size": 465, "max_position_embeddings": 64, "type_vocab_size": 2, "hidden_act": "gelu"}
CFG
"$BUILD/tests/model_ref" init enc.json enc 7 1 8
cp "$DATA/tok/tiny-bert.json" enc/tokenizer.json
awk -F'"' 'NR <= 400 { split($4, w, " "); if (NR > 1) printf "{\"query\": \"%s %s %s %d\", \"pos\": [\"%s\"], \"neg\": [\"%s\"]}\n", w[1], w[2], w[3], NR, $4, prev; prev = $4 }' \
    docs.jsonl > pairs.jsonl
awk -F'"' '{ split($4, w, " "); printf "{\"text\": \"%s %s %s %s %s\"}\n", w[1], w[2], w[3], w[4], w[5] }' docs.jsonl > short.jsonl

# ---- the commands, by tool: NAME OUT writes OUT (- for stdout); its input
# is IN (a file, or - for stdin) ----
IN=docs.jsonl
# (EXEC=exec: the tool replaces the shell that runs cmd, in the background)
EXEC=
cmd() { # TOOL OUT
    local o=(-o "$2")
    [ "$2" = - ] && o=()
    case $1 in
    cn-tokenize) $EXEC cn-tokenize -q -t "$tok" "${o[@]}" "$IN" ;;
    cn-mix)      $EXEC cn-mix -q "${o[@]}" "1:$IN" ;;
    cn-shard)    $EXEC cn-shard pack -q --vocab-size 650 "${o[@]}" "$IN" ;;
    cn-vocab)    $EXEC cn-vocab train -q --type byte-bpe --vocab-size 336 "${o[@]}" "$IN" ;;  # (all that docs.jsonl's few words make: no warning)
    cn-score)    if [ "$2" = - ] || [ "$2" = /dev/full ]; then $EXEC cn-score mc -q -m m "${o[@]}" "$IN"
                 else $EXEC cn-score mc -q -m m -o "$2" --details "$2.details" "$IN"; fi ;;
    cn-rag)      $EXEC cn-rag chat -q -m m --max-new-tokens 64 --min-new-tokens 64 --temperature 1 "${o[@]}" "$IN" ;;
    cn-pretrain) $EXEC cn-pretrain -q --config cfg.json -t "$tok" --out "$2" --steps 100000 --save-every 50 --seq-len 32 "$IN" ;;
    cn-sft)      $EXEC cn-sft -q --init m --out "$2" --steps 100000 --save-every 50 --seq-len 64 "$IN" ;;
    cn-embed)    $EXEC cn-embed encode -q -m enc "${o[@]}" "$IN" ;;
    cn-retrain)  $EXEC cn-retrain -q --init enc --out "$2" --steps 100000 --save-every 50 --micro-batch 4 --seq-len 32 "$IN" ;;
    esac
}
input() { # TOOL: its usual input
    case $1 in
    cn-tokenize | cn-vocab) echo docs.jsonl ;;
    cn-mix | cn-pretrain) echo big.tok ;;
    cn-shard) echo ids.jsonl ;;
    cn-score) echo mc.jsonl ;;
    cn-rag) echo chats.jsonl ;;
    cn-sft) echo sft.jsonl ;;
    cn-embed) echo short.jsonl ;;
    cn-retrain) echo pairs.jsonl ;;
    esac
}
writers="cn-tokenize cn-mix cn-shard cn-vocab cn-score cn-rag cn-embed cn-pretrain cn-sft cn-retrain"
stdout_writers="cn-tokenize cn-mix cn-shard cn-vocab cn-score cn-rag cn-embed"

# one_line FILE PATTERN: FILE is one line matching PATTERN
one_line() {
    if [ "$(wc -l < "$1")" != 1 ] || ! grep -Eq -- "$2" "$1"; then
        echo "wanted one line matching '$2', got:"; cat "$1"; return 1
    fi
}
# nothing_left DIR: no output, temporary or checkpoint left in DIR
nothing_left() {
    local left
    left=$(cd "$1" && ls -A | grep -Ev '^(docs.jsonl|big.tok|ids.jsonl|mc.jsonl|chats.jsonl|sft.jsonl|cfg.json|m|adir|err|small|rc|fed|enc|enc.json|pairs.jsonl|short.jsonl)$' || true)
    if [ -n "$left" ]; then echo "left behind in $1: $left"; return 1; fi
}

# kept_answers PART ERR PATTERN: cn-rag's answers so far in PART (FILE.part,
# left for --resume): a header and whole answers after it, at least one,
# and ERR's second line, matching PATTERN, gives their number
kept_answers() {
    local n
    n=$(($(wc -l < "$1") - 1))
    [ "$n" -ge 1 ] || { echo "$1: no answer kept, yet it is there"; return 1; }
    [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || { echo "$1: a line cut short"; return 1; }
    sed -n 2p "$2" | grep -Eq -- "$3 $n answers?: continue with: cn-rag chat .* --resume$" || { echo "no note on $1's $n answers:"; cat "$2"; return 1; }
}

# ---- /dev/full ----
for t in $writers; do
    IN=$(input "$t")
    case $t in cn-pretrain | cn-sft | cn-retrain) continue ;; esac # they write directories: their logs below
    expect 1 cmd "$t" /dev/full 2> err
    one_line err "^$t: /dev/full: write error: No space left on device$"
    expect 1 cmd "$t" - > /dev/full 2> err
    one_line err "^$t: (<stdout>|/dev/stdout): write error: No space left on device$"
    echo "ok   $t: /dev/full, as -o and as stdout"
done
# the trainers' --log, written as the run goes: the first step's line fails
expect 1 cn-pretrain -q --config cfg.json -t "$tok" --out lg --steps 4 --seq-len 32 --log /dev/full big.tok 2> err
one_line err "^cn-pretrain: /dev/full: write error: No space left on device$"
expect 1 cn-sft -q --init m --out lg2 --steps 4 --seq-len 64 --log /dev/full sft.jsonl 2> err
one_line err "^cn-sft: /dev/full: write error: No space left on device$"
expect 1 cn-retrain -q --init enc --out lg3 --steps 4 --micro-batch 4 --seq-len 32 --log /dev/full pairs.jsonl 2> err
one_line err "^cn-retrain: /dev/full: write error: No space left on device$"
rm -rf lg lg2 lg3
echo "ok   cn-pretrain, cn-sft, cn-retrain: --log /dev/full"

# ---- a filesystem that fills up mid-write ----
fs=$PWD/small
mkdir "$fs"
if mount -t tmpfs -o size=4k tmpfs "$fs" 2>/dev/null; then
    trap 'umount "$fs" 2>/dev/null || true' EXIT
    full() { "$@"; }
    nospace='No space left on device'
else
    echo "mounting a tmpfs was refused: the full disk is ulimit -f 4 (4 KB files), SIGXFSZ ignored"
    full() { (ulimit -f 4; trap '' XFSZ; "$@"); }
    nospace='File too large'
fi
for t in $writers; do
    IN=$(input "$t")
    expect 1 full cmd "$t" "$fs/out" 2> err
    if [ $t = cn-rag ] && [ -e "$fs/out.part" ]; then
        # the answers written so far stay, for --resume: whole lines, and a
        # note after the error says so
        kept_answers "$fs/out.part" err "^cn-rag: $fs/out.part keeps"
        sed -i 2d err
        rm "$fs/out.part"
    fi
    one_line err "^$t: $fs/out[^:]*: .*$nospace"
    nothing_left "$fs"
    echo "ok   $t: a full disk: $(cat err)"
done

# cn-embed index makes its directory: gone again when the disk fills up while
# the passages are written
expect 1 full cn-embed index -q -m enc -o "$fs/ix" docs.jsonl 2> err
sed -i "/passages cut to the encoder's/d" err
one_line err "^cn-embed: $fs/ix/[^:]*: .*$nospace"
nothing_left "$fs"
echo "ok   cn-embed index: a full disk: $(cat err)"

# cn-export reads a model directory, whole, before it writes: /dev/full, a
# full disk, a missing model
expect 1 cn-export gguf -q m -o /dev/full 2> err
one_line err "^cn-export: /dev/full: write error: No space left on device$"
expect 1 full cn-export gguf -q m -o "$fs/out.gguf" 2> err
one_line err "^cn-export: $fs/out.gguf[^:]*: .*$nospace"
nothing_left "$fs"
expect 1 cn-export gguf -q nope -o out.gguf 2> err
one_line err "^cn-export: nope: cannot open: No such file or directory$"
nothing_left .
echo "ok   cn-export: /dev/full, a full disk, a missing model"

# ---- a closed pipe: quietly, 0 or 141 ----
for t in $stdout_writers; do
    IN=$(input "$t")
    rm -f rc
    { cmd "$t" - 2> err || echo $? > rc; } | head -c 1 > /dev/null
    [ ! -e rc ] || [ "$(cat rc)" = 141 ]
    [ ! -s err ] || { echo "$t into a closed pipe said:"; cat err; exit 1; }
done
echo "ok   $stdout_writers: into a closed pipe, quietly"

# ---- a missing input, an unreadable one (a directory) ----
for t in $writers; do
    IN=nope.jsonl
    [ "$t" = cn-mix ] || [ "$t" = cn-pretrain ] && IN=nope.tok
    expect 1 cmd "$t" out 2> err
    one_line err "^$t: $IN: cannot open: No such file or directory$"
    nothing_left .
    IN=adir
    expect 1 cmd "$t" out 2> err
    one_line err "^$t: adir: .*([Ii]s a directory|not a regular file)"
    nothing_left .
done
echo "ok   $writers: a missing input, and a directory for one"

# ---- SIGINT and SIGTERM mid-write: the input on a pipe that stays open ----
for t in $writers; do
    for sig in INT TERM; do
        src=$(input "$t")
        mkfifo in.fifo
        IN=in.fifo
        [ $t = cn-sft ] || [ $t = cn-retrain ] && IN=$src # they read their examples whole before training
        # the input, then the pipe held open: the tool waits for more
        rm -f fed
        { cat "$src"; touch fed; sleep 60; } > in.fifo &
        feeder=$!
        set -m
        EXEC=exec cmd "$t" out 2> err &
        pid=$!
        set +m
        # mid-write: its output started (the temporary, or a checkpoint),
        # and it read what there was; cn-vocab and cn-score read their input
        # whole before they write, so for them the signal lands while they read
        started() {
            [ -e fed ] || [ $t = cn-sft ] || [ $t = cn-retrain ] || return 1
            [ $t = cn-vocab ] || [ $t = cn-score ] || [ $t = cn-embed ] || compgen -G 'out.tmp.*' > /dev/null || [ -e out/latest ] ||
                { [ $t = cn-rag ] && [ -s out.part ]; }
        }
        for i in $(seq 2400); do
            if started; then break; fi
            sleep 0.05
        done
        if ! started; then echo "$t: the output never started"; cat err; exit 1; fi
        kill -s $sig -- -$pid   # its process group, as a terminal does
        st=0
        wait $pid || st=$?
        kill $feeder 2>/dev/null || true   # (a run that read a file has no feeder left)
        wait $feeder 2>/dev/null || true
        rm -f in.fifo
        case $t:$sig in
        cn-pretrain:TERM | cn-sft:TERM | cn-retrain:TERM)
            [ $st = 0 ] || { echo "$t: SIGTERM: exit $st, not 0"; cat err; exit 1; }
            [ -e out/latest ]
            [ -e "out/$(cat out/latest)/trainer.json" ]
            if compgen -G 'out/*.tmp*' > /dev/null; then echo "$t: SIGTERM left $(ls out)"; exit 1; fi
            rm -rf out ;;
        cn-pretrain:INT | cn-sft:INT | cn-retrain:INT)
            [ $st = 130 ] || { echo "$t: SIGINT: exit $st, not 130"; cat err; exit 1; }
            grep -q "^$t: interrupted after step [0-9]*; the last checkpoint is out/step-" err
            if compgen -G 'out/*.tmp*' > /dev/null; then echo "$t: SIGINT left $(ls out)"; exit 1; fi
            rm -rf out ;;
        *)
            want=130; [ $sig = TERM ] && want=143
            [ $st = $want ] || { echo "$t: SIG$sig: exit $st, not $want"; cat err; exit 1; }
            if [ $t = cn-rag ] && [ -e out.part ]; then # the answers so far stay, for --resume
                sed -i '1s/^/(the signal)\n/' err
                kept_answers out.part err "^cn-rag: interrupted; out.part keeps"
                rm out.part
            fi
            nothing_left . ;;
        esac
    done
    echo "ok   $t: SIGINT and SIGTERM mid-write"
done
