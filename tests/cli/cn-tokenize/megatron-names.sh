# --format megatron -o takes the prefix, or a name ending in .bin or .idx as
# Megatron names its files: each writes PREFIX.bin and PREFIX.idx
. "$TOP/tests/cli/lib.sh"
printf '{"text": "module top; endmodule"}\n{"text": "wire clk;"}\n' > in.jsonl
tok=$DATA/tok/tiny-spm.json
cn-tokenize -q -t $tok --format megatron --eos 2 -o a in.jsonl
cn-tokenize -q -t $tok --format megatron --eos 2 -o b.bin in.jsonl
cn-tokenize -q -t $tok --format megatron --eos 2 -o c.idx in.jsonl
for p in b c; do
    cmp a.bin $p.bin
    cmp a.idx $p.idx
done
if compgen -G '*.bin.*' > /dev/null || compgen -G '*.idx.*' > /dev/null; then ls; exit 1; fi
