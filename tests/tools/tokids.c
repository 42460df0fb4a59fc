/* tokids: cn_tok's side of tests/ref/hf.js. Reads JSONL (field "text") and
 * prints one line per record, byte for byte as hf.js prints Hugging Face's:
 *   tokids TOKENIZER.json FILE.jsonl MODE
 *   add0 | add1 | lit   the ids as a JSON array (no spaces)
 *   dec | decskip       {"text":...} decoding the add1 ids (skipping special tokens)
 * Used by tests/sh/tok-real.sh to compare with the reference on the real
 * tokenizers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonl.h"
#include "tok.h"

static int fail(void) {
    fprintf(stderr, "tokids: %s\n", cn_errmsg());
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: tokids TOKENIZER.json FILE.jsonl add0|add1|lit|dec|decskip\n");
        return 2;
    }
    const char *mode = argv[3];
    int flags, dec = 0, skip = 0;
    if (strcmp(mode, "add0") == 0) flags = 0;
    else if (strcmp(mode, "add1") == 0) flags = CN_TOK_ADD_SPECIAL;
    else if (strcmp(mode, "lit") == 0) flags = CN_TOK_LITERAL_SPECIAL;
    else if (strcmp(mode, "dec") == 0 || strcmp(mode, "decskip") == 0) {
        flags = CN_TOK_ADD_SPECIAL;
        dec = 1;
        skip = mode[3] == 's';
    } else {
        fprintf(stderr, "tokids: unknown mode %s\n", mode);
        return 2;
    }
    cn_tok *t = cn_tok_load(argv[1]);
    if (!t) return fail();
    cn_in *in = cn_in_open(argv[2]);
    cn_out *out = cn_out_open("-", 0);
    if (!in || !out) return fail();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cJSON *o;
    cn_status st;
    cn_ids ids = {0};
    char num[16];
    while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
        const char *s;
        size_t n;
        ids.n = 0;
        if ((st = cn_jsonl_text(j, "text", &s, &n)) || (st = cn_tok_encode(t, s, n, flags, &ids))) break;
        if (dec) {
            char *text;
            size_t tn;
            if ((st = cn_tok_decode(t, ids.v, ids.n, skip, &text, &tn))) break;
            if (!(st = cn_out_write(out, "{\"text\":", 8))) st = cn_json_write_string(out, text, tn);
            if (!st) st = cn_out_write(out, "}\n", 2);
            free(text);
        } else {
            st = cn_out_write(out, "[", 1);
            for (size_t i = 0; i < ids.n && !st; i++)
                st = cn_out_write(out, num, (size_t)snprintf(num, sizeof num, i ? ",%u" : "%u", ids.v[i]));
            if (!st) st = cn_out_write(out, "]\n", 2);
        }
        if (st) break;
    }
    if (st == CN_EOF) st = cn_out_commit(out);
    cn_ids_free(&ids);
    cn_jsonl_free(j);
    cn_in_close(in);
    cn_tok_free(t);
    return st ? fail() : 0;
}
