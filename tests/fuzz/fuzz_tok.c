/* libFuzzer target: tokenizer.json parsing, and when it loads, encoding and
 * decoding a few texts (ids must stay within the vocabulary). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cn_tok *t = cn_tok_parse((const char *)data, size, "fuzz");
    if (!t) return 0;
    static const char *texts[] = {"", " ", "Hello, world", "a</s>b<s>", "\xE2\x96\x81x \xF0\x9F\x98\x80 clk"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        for (int flags = 0; flags < 4; flags++) {
            cn_ids ids = {0};
            if (cn_tok_encode(t, texts[i], strlen(texts[i]), flags, &ids) == CN_OK) {
                for (size_t k = 0; k < ids.n; k++)
                    if (ids.v[k] >= cn_tok_vocab_size(t)) abort();
                char *s;
                size_t n;
                if (cn_tok_decode(t, ids.v, ids.n, flags & 1, &s, &n) == CN_OK) free(s);
            }
            cn_ids_free(&ids);
        }
    }
    cn_tok_free(t);
    return 0;
}
