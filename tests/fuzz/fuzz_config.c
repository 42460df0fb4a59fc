/* libFuzzer target: a model directory's JSON files: config.json
 * (cn_config_parse, and a config that parses written back and parsed again to
 * the same values) and tokenizer_config.json (the chat template it names, its
 * BOS and EOS). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "chat.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *json = (const char *)data;
    cn_config c;
    if (cn_config_parse(json, size, "fuzz", &c) == CN_OK) {
        char *back = cn_config_to_json(&c);
        cn_config again;
        if (!back || cn_config_parse(back, strlen(back), "again", &again) != CN_OK) abort();
        if (again.arch != c.arch || again.n_layer != c.n_layer || again.d_model != c.d_model || again.n_head != c.n_head ||
            again.n_kv_head != c.n_kv_head || again.head_dim != c.head_dim || again.d_ff != c.d_ff || again.vocab != c.vocab ||
            again.max_pos != c.max_pos || again.tied != c.tied || again.window != c.window || again.bos != c.bos || again.eos != c.eos)
            abort();
        free(back);
        cn_config_params(&c);
        cn_config_check_seq(&c, 1);
    }
    cn_chat_template t;
    cn_chat_template_find(json, size, "fuzz", &t);
    for (int k = 0; k < 2; k++) {
        char *tok = NULL;
        if (cn_chat_config_token(json, size, "fuzz", k ? "eos_token" : "bos_token", &tok) == CN_OK) free(tok);
    }
    return 0;
}
