/* config: the published configs of LLaMA2-7B, Mistral-7B and BERT base give
 * their known shapes and parameter counts; unsupported settings are errors
 * that name them; written configs read back the same. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "config.h"

static void bad(const char *json, const char *want) {
    cn_config c;
    cn_status st = cn_config_parse(json, strlen(json), "c.json", &c);
    CHECK_MSG(st != CN_OK && strstr(cn_errmsg(), want) != NULL, "%s: got '%s'", json, st ? cn_errmsg() : "(ok)");
}

int main(void) {
    cn_config c, d;
    CHECK_MSG(cn_config_load(check_data("config", "llama2-7b.json"), &c) == CN_OK, "%s", cn_errmsg());
    CHECK(c.arch == CN_ARCH_LLAMA && c.d_model == 4096 && c.n_layer == 32 && c.n_head == 32 && c.n_kv_head == 32);
    CHECK(c.head_dim == 128 && c.d_ff == 11008 && c.vocab == 32000 && !c.tied && c.eps == 1e-5 && c.rope_theta == 10000);
    CHECK(c.bos == 1 && c.eos == 2 && c.pad == -1 && c.window == 0);
    CHECK(cn_config_params(&c) == 6738415616ull);
    CHECK(cn_config_check_seq(&c, 4096) == CN_OK && cn_config_check_seq(&c, 4097) == CN_EINVAL);

    CHECK(cn_config_load(check_data("config", "mistral-7b.json"), &c) == CN_OK);
    CHECK(c.n_kv_head == 8 && c.d_ff == 14336 && c.window == 4096 && strcmp(c.model_type, "mistral") == 0);
    CHECK(cn_config_params(&c) == 7241732096ull);
    CHECK(cn_config_check_seq(&c, 4096) == CN_OK && cn_config_check_seq(&c, 4097) == CN_EINVAL);
    CHECK(strstr(cn_errmsg(), "sliding window of 4096") != NULL);

    CHECK(cn_config_load(check_data("config", "bert-base-uncased.json"), &c) == CN_OK);
    CHECK(c.arch == CN_ARCH_BERT && c.d_model == 768 && c.head_dim == 64 && c.type_vocab == 2 && c.eps == 1e-12 && c.pad == 0);
    CHECK(cn_config_params(&c) == 108891648ull);

    /* written and read back */
    const char *names[] = {"llama2-7b.json", "mistral-7b.json", "bert-base-uncased.json"};
    for (int i = 0; i < 3; i++) {
        CHECK(cn_config_load(check_data("config", names[i]), &c) == CN_OK);
        char *j = cn_config_to_json(&c);
        CHECK(j && cn_config_parse(j, strlen(j), "w.json", &d) == CN_OK);
        if (c.arch == CN_ARCH_BERT) strcpy(c.architecture, d.architecture); /* BertForMaskedLM is read as BertModel's body */
        CHECK(memcmp(&c, &d, sizeof c) == 0);
        free(j);
    }

    /* a tiny GQA config with a tied head and odd sizes */
    const char *tiny = "{\"model_type\": \"llama\", \"hidden_size\": 36, \"intermediate_size\": 50, \"num_hidden_layers\": 2,"
                       " \"num_attention_heads\": 6, \"num_key_value_heads\": 2, \"vocab_size\": 97, \"tie_word_embeddings\": true}";
    CHECK(cn_config_parse(tiny, strlen(tiny), "t.json", &c) == CN_OK);
    CHECK(c.head_dim == 6 && c.tied && c.max_pos == 2048 && c.eps == 1e-6);
    CHECK(cn_config_params(&c) == 97 * 36 + 2 * (36 * 36 + 2 * 36 * 12 + 36 * 36 + 3 * 36 * 50 + 2 * 36) + 36);

    bad("[]", "not a JSON object");
    bad("{\"architectures\": [\"GPT2LMHeadModel\"]}", "architecture 'GPT2LMHeadModel' (model_type '?') is not supported");
    bad("{\"model_type\": \"llama\", \"hidden_size\": 32}", "missing 'num_hidden_layers'");
    bad("{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"intermediate_size\": 8,"
        " \"vocab_size\": 10, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2}}",
        "rope_scaling {\"type\":\"linear\",\"factor\":2} is not supported");
    bad("{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"intermediate_size\": 8,"
        " \"vocab_size\": 10, \"num_key_value_heads\": 3}", "not a multiple of num_key_value_heads 3");
    bad("{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"intermediate_size\": 8,"
        " \"vocab_size\": 10, \"hidden_act\": \"gelu\"}", "hidden_act \"gelu\" is not supported (only silu)");
    bad("{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"intermediate_size\": 8,"
        " \"vocab_size\": 10, \"attention_bias\": true}", "attention_bias true is not supported");
    bad("{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_hidden_layers\": 0, \"num_attention_heads\": 4, \"intermediate_size\": 8,"
        " \"vocab_size\": 10}", "'num_hidden_layers' must be an integer from 1");
    bad("{\"model_type\": \"bert\", \"hidden_size\": 32, \"num_hidden_layers\": 1, \"num_attention_heads\": 4, \"intermediate_size\": 8,"
        " \"vocab_size\": 10, \"max_position_embeddings\": 16, \"position_embedding_type\": \"relative_key\"}",
        "position_embedding_type relative_key is not supported");
    CHECK(cn_config_load("no-such-dir", &c) != CN_OK && strstr(cn_errmsg(), "no-such-dir") != NULL);
    return check_done();
}
