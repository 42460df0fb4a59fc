/* libFuzzer target: chat JSONL (cn-sft's and cn-rag chat's data): each
 * record through cn_chat_parse, and a conversation that parses rendered with
 * every template, with and without the generation prompt; the pieces must
 * cover the text exactly, none empty, neighbours differing in trained. */
#include <stdint.h>
#include <stdlib.h>
#include "fuzz.h"
#include "chat.h"
#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fuzz_window_ok(data, size)) return 0;
    cn_in *in = cn_in_mem(data, size, "fuzz");
    if (!in) return 0;
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cJSON *o;
    while (cn_jsonl_next(j, &o) == CN_OK) {
        cn_chat *c;
        if (cn_chat_parse(o, "fuzz", &c)) continue;
        for (int t = 0; t < CN_CHAT_NTEMPLATES; t++)
            for (int flags = 0; flags <= CN_CHAT_GEN_PROMPT; flags++) {
                cn_chat_pieces p;
                if (cn_chat_render(c, (cn_chat_template)t, "<s>", "</s>", flags, &p)) continue;
                size_t off = 0;
                for (size_t i = 0; i < p.n; i++) {
                    if (p.piece[i].off != off || p.piece[i].len == 0) abort();
                    if (i && p.piece[i].trained == p.piece[i - 1].trained) abort();
                    off += p.piece[i].len;
                }
                if (off != p.len) abort();
                cn_chat_pieces_free(&p);
            }
        cn_chat_free(c);
    }
    cn_jsonl_free(j);
    cn_in_close(in);
    return 0;
}
