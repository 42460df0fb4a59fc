/* mdir: a model directory opened with its tokenizer (DIR's own, or one given
 * that must be the same file unless another is expected), the vocabulary
 * checked against the embedding, BOS/EOS from the post-processor and the
 * config, generation_config.json's defaults, the weights file in
 * transformers' order, the tokenizer files written; and cn_path_join. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "io.h"
#include "mdir.h"
#include "st.h"

static void put(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static void config(const char *dir, int vocab) {
    char text[512], path[256];
    snprintf(text, sizeof text,
             "{\"model_type\": \"llama\", \"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1, "
             "\"num_attention_heads\": 2, \"vocab_size\": %d, \"max_position_embeddings\": 16, \"bos_token_id\": 7, "
             "\"eos_token_id\": 9}",
             vocab);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/config.json", dir);
    put(path, text);
}

int main(void) {
    const char *spm = check_data("tok", "tiny-spm.json"), *meta = check_data("tok", "tiny-metaspace.json");
    /* path joining */
    char *p = cn_path_join("a", "b.json"), *q = cn_path_join("a/", "b.json"), *r = cn_path_join("", "b.json");
    CHECK(p && q && r && strcmp(p, "a/b.json") == 0 && strcmp(q, "a/b.json") == 0 && strcmp(r, "b.json") == 0);
    free(p), free(q), free(r);

    /* a directory without a tokenizer: fine unless one is required */
    cn_mdir d;
    config("m", 650);
    CHECK(cn_mdir_open(&d, "m", NULL, 0) == CN_OK && !d.tok && !d.tok_path && d.c.vocab == 650);
    CHECK(d.bos == 7 && d.eos == 9); /* the config's, with no tokenizer */
    CHECK(strcmp(d.weights, "m/model.safetensors") == 0);
    cn_mdir_close(&d);
    CHECK(cn_mdir_open(&d, "m", NULL, CN_MDIR_TOKENIZER) == CN_EIO && strstr(cn_errmsg(), "m/tokenizer.json: no such file"));

    /* its own tokenizer: BOS from the post-processor (tiny-spm's <s> is 1), EOS the config's */
    CHECK(cn_mdir_write_tokenizer("m", spm) == CN_OK);
    CHECK(cn_mdir_open(&d, "m", NULL, CN_MDIR_TOKENIZER) == CN_OK && d.tok && strcmp(d.tok_path, "m/tokenizer.json") == 0);
    CHECK(d.bos == 1 && d.eos == 9);
    cn_mdir_close(&d);
    /* the same file given: fine; another (one more newline) refused, unless expected */
    CHECK(cn_mdir_open(&d, "m", spm, 0) == CN_OK && strcmp(d.tok_path, spm) == 0);
    cn_mdir_close(&d);
    size_t n;
    char *text = cn_read_all(spm, &n);
    FILE *f = fopen("other.json", "wb");
    fwrite(text, 1, n, f), fputc('\n', f), fclose(f);
    free(text);
    CHECK(cn_mdir_open(&d, "m", "other.json", 0) == CN_EMISMATCH &&
          strcmp(cn_errmsg(), "other.json: not m/tokenizer.json (their SHA-256 differ)") == 0);
    CHECK(cn_mdir_open(&d, "m", "other.json", CN_MDIR_OTHER_TOKENIZER) == CN_OK);
    cn_mdir_close(&d);

    /* the vocabulary against the embedding: tiny-metaspace's added 'clk' is id 650 */
    config("small", 650);
    CHECK(cn_mdir_open(&d, "small", meta, 0) == CN_ERANGE);
    CHECK_MSG(strstr(cn_errmsg(), "added token 'clk' has id 650, beyond the 650 embedding rows of the model (small)"), "%s", cn_errmsg());
    config("small", 600); /* smaller than the vocabulary itself */
    CHECK(cn_mdir_open(&d, "small", spm, 0) == CN_ERANGE);
    CHECK_MSG(strstr(cn_errmsg(), ": 650 tokens, beyond the 600 embedding rows of the model (small)"), "%s", cn_errmsg());
    config("small", 704); /* a padded embedding: fine */
    CHECK(cn_mdir_open(&d, "small", meta, 0) == CN_OK);
    cn_mdir_close(&d);

    /* the weights file: model.safetensors before the index, as transformers */
    put("m/model.safetensors.index.json", "{}");
    CHECK(cn_mdir_open(&d, "m", NULL, 0) == CN_OK && strcmp(d.weights, "m/model.safetensors.index.json") == 0);
    cn_mdir_close(&d);
    put("m/model.safetensors", "");
    CHECK(cn_mdir_open(&d, "m", NULL, 0) == CN_OK && strcmp(d.weights, "m/model.safetensors") == 0);
    cn_mdir_close(&d);

    /* generation_config.json: transformers' defaults, then the file's */
    cn_mdir_gen g;
    CHECK(cn_mdir_generation("m", &g) == CN_OK && !g.do_sample && g.temperature == 1 && g.top_k == 50 && g.top_p == 1 &&
          g.max_new_tokens == -1 && g.neos == 0);
    put("m/generation_config.json", "{\"do_sample\": true, \"temperature\": 0.6, \"top_p\": 0.9, \"max_new_tokens\": 40, "
                                    "\"eos_token_id\": [2, 32007]}");
    CHECK(cn_mdir_generation("m", &g) == CN_OK && g.do_sample && g.temperature == 0.6 && g.top_p == 0.9 && g.max_new_tokens == 40 &&
          g.neos == 2 && g.eos[0] == 2 && g.eos[1] == 32007);
    put("m/generation_config.json", "[1]");
    CHECK(cn_mdir_generation("m", &g) == CN_EFORMAT && strcmp(cn_errmsg(), "m/generation_config.json: not a JSON object") == 0);

    /* tokenizer_config.json: the template, its name and the markers */
    const char *marks[2] = {"<|im_start|>", "<|im_end|>"};
    int64_t ids[2] = {650, 651};
    cn_mdir_tokcfg tc = {"<s>", "</s>", CN_CHAT_CHATML, marks, ids, 2};
    CHECK(cn_mdir_write_tokenizer_config("m", &tc) == CN_OK);
    cn_chat_template t;
    char *bos = NULL, *eos = NULL;
    CHECK(cn_chat_dir_template("m", &t, &bos, &eos) == CN_OK && t == CN_CHAT_CHATML && strcmp(bos, "<s>") == 0 && strcmp(eos, "</s>") == 0);
    free(bos), free(eos);
    text = cn_read_all("m/tokenizer_config.json", &n);
    CHECK(text && strstr(text, "\"651\"") && strstr(text, "<|im_end|>"));
    free(text);
    return check_done();
}
