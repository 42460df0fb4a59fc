/* gguf_sample OUT.gguf: a GGUF file with a value of every metadata kind the
 * exporter writes and a tensor of every type, from values fixed here, for
 * tests/sh/gguf-ref.sh to read back with @huggingface/gguf and to check the
 * tensors' bytes against the types' definitions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "gguf.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: gguf_sample OUT.gguf\n");
        return 2;
    }
    cn_gguf *g = cn_gguf_new();
    static const char *const toks[] = {"<unk>", "<s>", "\xe2\x96\x81the", "caf\xc3\xa9", ""};
    static const float scores[] = {0, -1.5f, -2.25f, 1e-3f, -1e9f};
    static const int32_t types[] = {2, 3, 1, 1, 6};
    float *w = malloc(3 * 64 * sizeof *w), v[5] = {1, -2, 0.5f, 3.25f, -0.125f};
    if (!g || !w) return 1;
    for (int i = 0; i < 3 * 64; i++) /* values of every scale, the 0 and the extremes of a block */
        w[i] = (float)(sin(0.37 * i) * pow(10.0, (i % 7) - 3));
    w[70] = 0, w[100] = -1e4f, w[101] = 1e4f;
    for (int i = 128; i < 160; i++) w[i] = 0; /* a block of zeros: scale 0 */
    int64_t d2[2] = {3, 64}, d1[1] = {5}, d3[3] = {2, 3, 32};
    if (cn_gguf_str(g, "general.architecture", "llama") || cn_gguf_str(g, "general.name", "caf\xc3\xa9 sample") ||
        cn_gguf_u32(g, "llama.block_count", 4) || cn_gguf_i32(g, "sample.negative", -7) || cn_gguf_f32(g, "llama.rope.freq_base", 10000.5f) ||
        cn_gguf_bool(g, "tokenizer.ggml.add_bos_token", 1) || cn_gguf_bool(g, "tokenizer.ggml.add_eos_token", 0) ||
        cn_gguf_arr_str(g, "tokenizer.ggml.tokens", toks, 5) || cn_gguf_arr_f32(g, "tokenizer.ggml.scores", scores, 5) ||
        cn_gguf_arr_i32(g, "tokenizer.ggml.token_type", types, 5) || cn_gguf_tensor(g, "w.f32", CN_GGML_F32, d2, 2, w) ||
        cn_gguf_tensor(g, "w.f16", CN_GGML_F16, d2, 2, w) || cn_gguf_tensor(g, "w.bf16", CN_GGML_BF16, d2, 2, w) ||
        cn_gguf_tensor(g, "w.q8_0", CN_GGML_Q8_0, d2, 2, w) || cn_gguf_tensor(g, "norm", CN_GGML_F32, d1, 1, v) ||
        cn_gguf_tensor(g, "cube.q8_0", CN_GGML_Q8_0, d3, 3, w) || cn_gguf_write(g, argv[1])) {
        fprintf(stderr, "gguf_sample: %s\n", cn_errmsg());
        return 1;
    }
    /* for the test: the values, one per line */
    for (int i = 0; i < 3 * 64; i++) printf("%.9g\n", w[i]);
    cn_gguf_free(g);
    free(w);
    return 0;
}
