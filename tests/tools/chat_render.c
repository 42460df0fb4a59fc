/* chat_render: cn_chat's side of tests/ref/chat.mjs, for tests/sh/chat-ref.sh.
 *   chat_render TEMPLATE BOS EOS 0|1 FILE.jsonl
 *       renders each chat record (1: with the generation prompt) and prints
 *       {"text":...,"trained":[...]} per record, byte for byte as chat.mjs
 *       prints @huggingface/jinja's rendering: the whole text, then the
 *       trained pieces in order
 *   chat_render --jinja TEMPLATE       prints the template's Jinja source
 *   chat_render --find CONFIG.json     prints the template a tokenizer_config.json names
 * Errors: "chat_render: FILE:LINE: what" on stderr, exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "chat.h"
#include "jsonl.h"

static int fail(void) {
    fprintf(stderr, "chat_render: %s\n", cn_errmsg());
    return 1;
}

static int usage(void) {
    fprintf(stderr, "usage: chat_render TEMPLATE BOS EOS 0|1 FILE.jsonl | --jinja TEMPLATE | --find CONFIG.json\n");
    return 2;
}

static int find(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "chat_render: cannot open %s\n", path);
        return 1;
    }
    size_t n = 0, cap = 65536, k;
    char *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += k) == cap) buf = realloc(buf, cap *= 2);
    fclose(f);
    if (!buf) return 1;
    cn_chat_template t;
    cn_status st = cn_chat_template_find(buf, n, path, &t);
    free(buf);
    if (st) return fail();
    printf("%s\n", cn_chat_template_name(t));
    return 0;
}

int main(int argc, char **argv) {
    cn_chat_template t;
    if (argc == 3 && strcmp(argv[1], "--jinja") == 0) {
        if (cn_chat_template_by_name(argv[2], &t)) return fail();
        fputs(cn_chat_template_jinja(t), stdout);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--find") == 0) return find(argv[2]);
    if (argc != 6 || (strcmp(argv[4], "0") != 0 && strcmp(argv[4], "1") != 0)) return usage();
    if (cn_chat_template_by_name(argv[1], &t)) return fail();
    int flags = argv[4][0] == '1' ? CN_CHAT_GEN_PROMPT : 0;
    cn_in *in = cn_in_open(argv[5]);
    cn_out *out = cn_out_open("-", 0);
    if (!in || !out) return fail();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cJSON *o;
    cn_status st;
    while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
        char where[512];
        snprintf(where, sizeof where, "%s:%llu", cn_in_name(in), (unsigned long long)cn_jsonl_line(j));
        cn_chat *c;
        cn_chat_pieces p;
        if ((st = cn_chat_parse(o, where, &c))) break;
        st = cn_chat_render(c, t, argv[2], argv[3], flags, &p);
        cn_chat_free(c);
        if (st) break;
        if (!(st = cn_out_write(out, "{\"text\":", 8))) st = cn_json_write_string(out, p.text, p.len);
        if (!st) st = cn_out_write(out, ",\"trained\":[", 12);
        int k = 0;
        for (size_t i = 0; i < p.n && !st; i++) {
            if (!p.piece[i].trained) continue;
            if (k++) st = cn_out_write(out, ",", 1);
            if (!st) st = cn_json_write_string(out, p.text + p.piece[i].off, p.piece[i].len);
        }
        if (!st) st = cn_out_write(out, "]}\n", 3);
        cn_chat_pieces_free(&p);
        if (st) break;
    }
    cn_jsonl_free(j);
    cn_in_close(in);
    if (st != CN_EOF) {
        cn_out_abort(out);
        return fail();
    }
    if (cn_out_commit(out)) return fail();
    return 0;
}
