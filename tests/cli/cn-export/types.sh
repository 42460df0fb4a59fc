# the same model twice: the same bytes; each type its size (f32 the
# largest, f16 and bf16 half of the matrices, q8_0 34 bytes a block of 32)
. "$TOP/tests/cli/cn-export/common.inc"
model m "$DATA/tok/tiny-spm.json" 650
for t in f32 f16 bf16 q8_0; do cn-export gguf -q m -o $t.gguf --type $t; done
cn-export gguf -q m -o again.gguf --type q8_0
cmp q8_0.gguf again.gguf
cn-export gguf -q m -o default.gguf
cmp f16.gguf default.gguf
s() { stat -c %s "$1.gguf"; }
[ "$(s f32)" -gt "$(s f16)" ] && [ "$(s f16)" = "$(s bf16)" ] && [ "$(s f16)" -gt "$(s q8_0)" ]
