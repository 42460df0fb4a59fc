# --decode takes no encoding option, and --force and --eos need the mode that
# uses them: each is a usage error naming it, never silently dropped
. "$TOP/tests/cli/lib.sh"
tok=$DATA/tok/tiny-spm.json
printf '{"text": "module top; endmodule"}\n' > in.jsonl
cn-tokenize -q -t $tok in.jsonl -o in.tok
for o in '--field body' '--literal-special' '--format megatron' '--eos 2' '--replace-invalid-utf8' '--threads 2'; do
    expect 2 cn-tokenize -q -t $tok --decode $o in.tok 2> err
    grep -q -- "^cn-tokenize: ${o% *} is an encoding option: not with --decode" err
done
expect 2 cn-tokenize -q -t $tok --decode -f in.tok 2> err
grep -q -- '-f goes with -z' err
expect 2 cn-tokenize -q -t $tok --force in.jsonl 2> err
grep -q -- '--force .* goes with --decode' err
expect 2 cn-tokenize -q -t $tok --eos 2 in.jsonl 2> err
grep -q -- '--eos goes with --format megatron' err
# what decoding does take
cn-tokenize -q -t $tok --decode --force -o back.jsonl in.tok
grep -qx '{"text": "module top; endmodule"}' back.jsonl
