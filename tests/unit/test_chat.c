/* chat: parsing chat records and its errors, the role order, the three
 * templates on known conversations (exact text and trained pieces), the
 * pieces' invariants, template lookup from tokenizer_config.json. The
 * rendering is compared with Hugging Face's Jinja renderer on the official
 * templates by tests/sh/chat-ref.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "chat.h"
#include "check.h"
#include "jsonl.h"

/* parses json as a chat record with where "f.jsonl:7"; returns the status,
 * *c the conversation (NULL on error) */
static cn_status parse(const char *json, cn_chat **c) {
    cJSON *o = cJSON_Parse(json);
    cn_status st = cn_chat_parse(o, "f.jsonl:7", c);
    cJSON_Delete(o);
    return st;
}

/* the record must fail with CN_EFORMAT and a message containing want */
static void parse_fails(const char *json, const char *want, int line) {
    cn_chat *c = (cn_chat *)1;
    cn_status st = parse(json, &c);
    CHECK_MSG(st == CN_EFORMAT && c == NULL, "line %d: status %d", line, (int)st);
    CHECK_MSG(strncmp(cn_errmsg(), "f.jsonl:7: ", 11) == 0 && strstr(cn_errmsg(), want), "line %d: %s", line, cn_errmsg());
}
#define PARSE_FAILS(json, want) parse_fails(json, want, __LINE__)

/* the pieces are back to back, cover text, none empty, neighbours differ */
static int pieces_ok(const cn_chat_pieces *p) {
    size_t off = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (p->piece[i].off != off || p->piece[i].len == 0) return 0;
        if (i && p->piece[i].trained == p->piece[i - 1].trained) return 0;
        off += p->piece[i].len;
    }
    return off == p->len && p->text[p->len] == 0;
}

/* renders c and checks the text and the trained pieces (NULL-terminated list) */
static void render_is(const cn_chat *c, cn_chat_template t, const char *bos, const char *eos, int flags,
                      const char *want, const char *const *trained, int line) {
    cn_chat_pieces p;
    cn_status st = cn_chat_render(c, t, bos, eos, flags, &p);
    CHECK_MSG(st == CN_OK, "line %d: %s", line, cn_errmsg());
    if (st) return;
    CHECK_MSG(p.len == strlen(want) && memcmp(p.text, want, p.len) == 0, "line %d: %s: got\n%s\nwant\n%s", line,
              cn_chat_template_name(t), p.text, want);
    CHECK_MSG(pieces_ok(&p), "line %d: pieces", line);
    /* the concatenation of the pieces, rebuilt, is the text */
    char *cat = malloc(p.len + 1);
    size_t k = 0, nt = 0;
    for (size_t i = 0; i < p.n; i++) {
        memcpy(cat + k, p.text + p.piece[i].off, p.piece[i].len);
        k += p.piece[i].len;
        if (!p.piece[i].trained) continue;
        const char *w = trained[nt];
        CHECK_MSG(w && strlen(w) == p.piece[i].len && memcmp(w, p.text + p.piece[i].off, p.piece[i].len) == 0,
                  "line %d: %s: trained piece %zu: got '%.*s', want '%s'", line, cn_chat_template_name(t), nt,
                  (int)p.piece[i].len, p.text + p.piece[i].off, w ? w : "(none)");
        if (w) nt++;
    }
    CHECK_MSG(trained[nt] == NULL, "line %d: %s: %zu trained pieces, want more", line, cn_chat_template_name(t), nt);
    CHECK(k == p.len && memcmp(cat, p.text, k) == 0);
    free(cat);
    cn_chat_pieces_free(&p);
    CHECK(p.text == NULL && p.piece == NULL && p.n == 0);
}
#define RENDER_IS(c, t, bos, eos, flags, want, ...) \
    render_is(c, t, bos, eos, flags, want, (const char *const[]){__VA_ARGS__, NULL}, __LINE__)
#define NONE NULL

static cn_chat *chat(const char *json) {
    cn_chat *c = NULL;
    cn_status st = parse(json, &c);
    CHECK_MSG(st == CN_OK, "%s: %s", json, cn_errmsg());
    return c;
}

static void test_parse(void) {
    cn_chat *c = chat("{\"id\": 3, \"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": "
                      "\"caf\\u00e9\", \"name\": \"x\"}, {\"role\": \"assistant\", \"content\": \"\"}]}");
    CHECK(c && c->n == 3);
    if (c) {
        CHECK(c->msg[0].role == CN_CHAT_SYSTEM && strcmp(c->msg[0].text, "s") == 0);
        CHECK(c->msg[1].role == CN_CHAT_USER && c->msg[1].len == 5 && strcmp(c->msg[1].text, "caf\xC3\xA9") == 0);
        CHECK(c->msg[2].role == CN_CHAT_ASSISTANT && c->msg[2].len == 0);
    }
    cn_chat_free(c);
    cn_chat_free(NULL);
    CHECK(strcmp(cn_chat_role_name(CN_CHAT_ASSISTANT), "assistant") == 0);

    PARSE_FAILS("[1, 2]", "not a JSON object");
    PARSE_FAILS("{\"text\": \"hi\"}", "missing field 'messages'");
    PARSE_FAILS("{\"messages\": {\"role\": \"user\"}}", "field 'messages' is not an array");
    PARSE_FAILS("{\"messages\": []}", "'messages' is empty");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, \"b\"]}", "messages[1] is not an object");
    PARSE_FAILS("{\"messages\": [{\"content\": \"a\"}]}", "messages[0]: missing 'role'");
    PARSE_FAILS("{\"messages\": [{\"role\": 1, \"content\": \"a\"}]}", "messages[0]: 'role' is not a string");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"tool\", \"content\": \"b\"}]}",
                "messages[1]: role 'tool' is not system, user or assistant");
    PARSE_FAILS("{\"messages\": [{\"role\": \"User\", \"content\": \"a\"}]}", "role 'User' is not system, user or assistant");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\"}]}", "messages[0]: missing 'content'");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": 42}]}", "messages[0]: 'content' is not a string");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": null}]}", "messages[0]: 'content' is not a string");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\"}]}]}", "'content' is not a string");
    /* cJSON does not check UTF-8 (cn_jsonl does, for lines from files) */
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": \"a\xC3\x28" "b\"}]}",
                "messages[0]: content is not valid UTF-8 (byte 2)");

    /* role order */
    PARSE_FAILS("{\"messages\": [{\"role\": \"assistant\", \"content\": \"a\"}]}",
                "messages[0]: an assistant message before any user message");
    PARSE_FAILS("{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}",
                "messages[1]: an assistant message before any user message");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]}",
                "messages[1]: two user messages in a row");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}, "
                "{\"role\": \"assistant\", \"content\": \"c\"}]}",
                "messages[2]: two assistant messages in a row");
    PARSE_FAILS("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"system\", \"content\": \"s\"}]}",
                "messages[1]: a system message after the first message");
    PARSE_FAILS("{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"system\", \"content\": \"t\"}]}",
                "messages[1]: a system message after the first message");
    PARSE_FAILS("{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}]}", "no user message");

    /* without where, the message starts with what went wrong */
    cJSON *o = cJSON_Parse("{\"messages\": []}");
    CHECK(cn_chat_parse(o, NULL, &c) == CN_EFORMAT && c == NULL);
    CHECK_MSG(strcmp(cn_errmsg(), "'messages' is empty") == 0, "%s", cn_errmsg());
    cJSON_Delete(o);
    CHECK(cn_chat_parse(NULL, NULL, &c) == CN_EFORMAT && c == NULL);
}

/* records read through cn_jsonl, errors prefixed with file:line by the caller */
static void test_jsonl(void) {
    FILE *f = fopen("chat.jsonl", "wb");
    fputs("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}\n\n"
          "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"bot\", \"content\": \"b\"}]}\n",
          f);
    fclose(f);
    cn_in *in = cn_in_open("chat.jsonl");
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cJSON *o;
    cn_chat *c;
    char where[256];
    int ok = 0;
    cn_status st;
    while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
        snprintf(where, sizeof where, "%s:%llu", cn_in_name(in), (unsigned long long)cn_jsonl_line(j));
        if ((st = cn_chat_parse(o, where, &c))) break;
        ok++;
        cn_chat_free(c);
    }
    CHECK(ok == 1 && st == CN_EFORMAT);
    CHECK_MSG(strcmp(cn_errmsg(), "chat.jsonl:3: messages[1]: role 'bot' is not system, user or assistant") == 0, "%s",
              cn_errmsg());
    cn_jsonl_free(j);
    cn_in_close(in);
}

static void test_add(void) {
    cn_chat *c = cn_chat_new();
    CHECK(cn_chat_add(c, CN_CHAT_ASSISTANT, "a", 1) == CN_EINVAL && c->n == 0);
    CHECK_MSG(strstr(cn_errmsg(), "messages[0]: an assistant message before any user message"), "%s", cn_errmsg());
    CHECK(cn_chat_add(c, CN_CHAT_SYSTEM, "s", 1) == CN_OK);
    CHECK(cn_chat_add(c, CN_CHAT_SYSTEM, "s", 1) == CN_EINVAL && c->n == 1);
    CHECK(cn_chat_add(c, CN_CHAT_USER, "bad \xC3\x28", 6) == CN_EINVAL && c->n == 1);
    CHECK_MSG(strstr(cn_errmsg(), "messages[1]: content is not valid UTF-8"), "%s", cn_errmsg());
    CHECK(cn_chat_add(c, CN_CHAT_USER, "a\0b", 3) == CN_OK); /* lengths, not C strings */
    CHECK(cn_chat_add(c, CN_CHAT_USER, "x", 1) == CN_EINVAL && c->n == 2);
    CHECK(cn_chat_add(c, CN_CHAT_ASSISTANT, "ok", 2) == CN_OK);
    for (int i = 0; i < 20; i++) /* grows past the first allocation */
        CHECK(cn_chat_add(c, i % 2 ? CN_CHAT_ASSISTANT : CN_CHAT_USER, "t", 1) == CN_OK);
    CHECK(c->n == 23);
    cn_chat_pieces p;
    CHECK(cn_chat_render(c, CN_CHAT_CHATML, NULL, NULL, 0, &p) == CN_OK && pieces_ok(&p));
    static const char head[] = "<|im_start|>system\ns<|im_end|>\n<|im_start|>user\na\0b<|im_end|>\n";
    CHECK(p.len > sizeof head - 1 && memcmp(p.text, head, sizeof head - 1) == 0);
    cn_chat_pieces_free(&p);
    cn_chat_pieces_free(&p); /* a zeroed one is fine */
    cn_chat_free(c);

    /* nothing to render */
    c = cn_chat_new();
    CHECK(cn_chat_render(c, CN_CHAT_LLAMA2, "<s>", "</s>", 0, &p) == CN_EINVAL && p.text == NULL && p.n == 0);
    CHECK(cn_chat_add(c, CN_CHAT_SYSTEM, "s", 1) == CN_OK);
    CHECK(cn_chat_render(c, CN_CHAT_CHIPNEMO, "<s>", "</s>", 0, &p) == CN_EINVAL && p.text == NULL);
    CHECK(cn_chat_add(c, CN_CHAT_USER, "u", 1) == CN_OK);
    CHECK(cn_chat_render(c, (cn_chat_template)7, "<s>", "</s>", 0, &p) == CN_EINVAL && p.text == NULL);
    cn_chat_free(c);
}

#define SYS_CONV                                                                                                     \
    "{\"messages\": [{\"role\": \"system\", \"content\": \"You are helpful.\"}, {\"role\": \"user\", \"content\": \" Hi " \
    "there \"}, {\"role\": \"assistant\", \"content\": \" Hello! \"}, {\"role\": \"user\", \"content\": \"Bye\"}]}"
#define QA_CONV "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}"

static void test_llama2(void) {
    const cn_chat_template T = CN_CHAT_LLAMA2;
    cn_chat *c = chat(SYS_CONV);
    /* the system block and first turn are stripped together: " Hi there" keeps its leading space */
    const char *want = "<s>[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\n Hi there [/INST] Hello! </s><s>[INST] Bye [/INST]";
    RENDER_IS(c, T, "<s>", "</s>", 0, want, " Hello! </s>");
    RENDER_IS(c, T, "<s>", "</s>", CN_CHAT_GEN_PROMPT, want, " Hello! </s>"); /* no generation prompt */
    RENDER_IS(c, T, NULL, NULL, 0,
              "[INST] <<SYS>>\nYou are helpful.\n<</SYS>>\n\n Hi there [/INST] Hello! [INST] Bye [/INST]", " Hello! ");
    cn_chat_free(c);

    c = chat(QA_CONV);
    RENDER_IS(c, T, "<s>", "</s>", 0, "<s>[INST] q [/INST] a </s>", " a </s>");
    cn_chat_free(c);
    c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"\\t q1 \\n\"}, {\"role\": \"assistant\", \"content\": "
             "\"\\n a1\\u3000\"}, {\"role\": \"user\", \"content\": \"q2\"}, {\"role\": \"assistant\", \"content\": "
             "\"a2\"}]}");
    RENDER_IS(c, T, "<s>", "</s>", 0, "<s>[INST] q1 [/INST] a1 </s><s>[INST] q2 [/INST] a2 </s>", " a1 </s>", " a2 </s>");
    cn_chat_free(c);

    /* as Python's Jinja renders it (transformers, Meta's reference code): an
     * empty system message still makes a block; an empty first turn lets the
     * strip eat the block's trailing newlines */
    c = chat("{\"messages\": [{\"role\": \"system\", \"content\": \"\"}, {\"role\": \"user\", \"content\": \"hi\"}]}");
    RENDER_IS(c, T, "<s>", "</s>", 0, "<s>[INST] <<SYS>>\n\n<</SYS>>\n\nhi [/INST]", NONE);
    cn_chat_free(c);
    c = chat("{\"messages\": [{\"role\": \"system\", \"content\": \"S\"}, {\"role\": \"user\", \"content\": \"   \"}, "
             "{\"role\": \"assistant\", \"content\": \" ok \"}]}");
    RENDER_IS(c, T, "<s>", "</s>", 0, "<s>[INST] <<SYS>>\nS\n<</SYS>> [/INST] ok </s>", " ok </s>");
    cn_chat_free(c);
    /* Python's strip: U+001C..U+001F and U+0085 are white, U+FEFF is not */
    c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"\\u001c\\u001f x \\u0085\"}, {\"role\": \"assistant\", "
             "\"content\": \"\\ufeffy\\u2029\"}]}");
    RENDER_IS(c, T, "<s>", "</s>", 0, "<s>[INST] x [/INST] \xEF\xBB\xBFy </s>", " \xEF\xBB\xBFy </s>");
    cn_chat_free(c);
    c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"\"}, {\"role\": \"assistant\", \"content\": \"\"}]}");
    RENDER_IS(c, T, "<s>", "</s>", 0, "<s>[INST]  [/INST]  </s>", "  </s>");
    cn_chat_free(c);
}

static void test_chatml(void) {
    const cn_chat_template T = CN_CHAT_CHATML;
    cn_chat *c = chat(SYS_CONV);
    const char *want = "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\n Hi there <|im_end|>\n"
                       "<|im_start|>assistant\n Hello! <|im_end|>\n<|im_start|>user\nBye<|im_end|>\n";
    RENDER_IS(c, T, "<s>", "</s>", 0, want, " Hello! <|im_end|>"); /* no BOS, no strip */
    char gen[512];
    snprintf(gen, sizeof gen, "%s<|im_start|>assistant\n", want);
    RENDER_IS(c, T, "<s>", "</s>", CN_CHAT_GEN_PROMPT, gen, " Hello! <|im_end|>");
    cn_chat_free(c);
    c = chat(QA_CONV);
    RENDER_IS(c, T, "", "", 0, "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\na<|im_end|>\n", "a<|im_end|>");
    cn_chat_free(c);
    c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"\"}, {\"role\": \"assistant\", \"content\": \"\"}]}");
    RENDER_IS(c, T, "", "", 0, "<|im_start|>user\n<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n", "<|im_end|>");
    cn_chat_free(c);
}

static void test_chipnemo(void) {
    const cn_chat_template T = CN_CHAT_CHIPNEMO;
    cn_chat *c = chat(SYS_CONV);
    const char *want = "<s><extra_id_0>System\nYou are helpful.\n<extra_id_1>User\n Hi there \n"
                       "<extra_id_1>Assistant\n Hello! \n<extra_id_1>User\nBye\n";
    RENDER_IS(c, T, "<s>", "</s>", 0, want, " Hello! \n<extra_id_1>");
    char gen[512];
    snprintf(gen, sizeof gen, "%s<extra_id_1>Assistant\n", want);
    RENDER_IS(c, T, "<s>", "</s>", CN_CHAT_GEN_PROMPT, gen, " Hello! \n<extra_id_1>");
    /* the exact pieces */
    cn_chat_pieces p;
    CHECK(cn_chat_render(c, T, "<s>", "</s>", 0, &p) == CN_OK && p.n == 3);
    if (p.n == 3) {
        CHECK(!p.piece[0].trained && p.piece[0].len == strlen("<s><extra_id_0>System\nYou are helpful.\n<extra_id_1>User\n"
                                                              " Hi there \n<extra_id_1>Assistant\n"));
        CHECK(p.piece[1].trained && p.piece[1].len == strlen(" Hello! \n<extra_id_1>"));
        CHECK(!p.piece[2].trained && strcmp(p.text + p.piece[2].off, "User\nBye\n") == 0);
    }
    cn_chat_pieces_free(&p);
    cn_chat_free(c);

    /* no system message: an empty System block; a final answer ends with the next turn's start */
    c = chat(QA_CONV);
    RENDER_IS(c, T, "<s>", "</s>", 0, "<s><extra_id_0>System\n\n<extra_id_1>User\nq\n<extra_id_1>Assistant\na\n<extra_id_1>",
              "a\n<extra_id_1>");
    RENDER_IS(c, T, "", "", CN_CHAT_GEN_PROMPT,
              "<extra_id_0>System\n\n<extra_id_1>User\nq\n<extra_id_1>Assistant\na\n<extra_id_1>Assistant\n",
              "a\n<extra_id_1>");
    cn_chat_free(c);
    c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"q1\"}, {\"role\": \"assistant\", \"content\": \"a1\"}, "
             "{\"role\": \"user\", \"content\": \"q2\"}, {\"role\": \"assistant\", \"content\": \"a2\"}]}");
    RENDER_IS(c, T, "<s>", "</s>", 0,
              "<s><extra_id_0>System\n\n<extra_id_1>User\nq1\n<extra_id_1>Assistant\na1\n<extra_id_1>User\nq2\n"
              "<extra_id_1>Assistant\na2\n<extra_id_1>",
              "a1\n<extra_id_1>", "a2\n<extra_id_1>");
    cn_chat_free(c);
    c = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"only\"}]}");
    RENDER_IS(c, T, "<s>", "</s>", 0, "<s><extra_id_0>System\n\n<extra_id_1>User\nonly\n", NONE);
    RENDER_IS(c, T, "<s>", "</s>", CN_CHAT_GEN_PROMPT, "<s><extra_id_0>System\n\n<extra_id_1>User\nonly\n<extra_id_1>Assistant\n",
              NONE);
    cn_chat_free(c);
}

static cn_status find(const char *json, cn_chat_template *t) { return cn_chat_template_find(json, strlen(json), "tc.json", t); }

/* {"chat_template": src} (and the name when given), escaped by cJSON */
static char *config(const char *src, const char *name) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "bos_token", "<s>");
    if (src) cJSON_AddStringToObject(o, "chat_template", src);
    if (name) cJSON_AddStringToObject(o, CN_CHAT_TEMPLATE_KEY, name);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void test_templates(void) {
    cn_chat_template t;
    for (int i = 0; i < CN_CHAT_NTEMPLATES; i++) {
        const char *name = cn_chat_template_name((cn_chat_template)i);
        CHECK(name && cn_chat_template_by_name(name, &t) == CN_OK && t == (cn_chat_template)i);
        CHECK(cn_chat_template_jinja(t) && strstr(cn_chat_template_jinja(t), "{% for message in"));
        /* each source is found by equality, and by name */
        char *s = config(cn_chat_template_jinja(t), NULL);
        CHECK(find(s, &t) == CN_OK && t == (cn_chat_template)i);
        free(s);
        s = config(NULL, name);
        t = CN_CHAT_NTEMPLATES;
        CHECK(find(s, &t) == CN_OK && t == (cn_chat_template)i);
        free(s);
        s = config(cn_chat_template_jinja((cn_chat_template)i), name);
        CHECK(find(s, &t) == CN_OK && t == (cn_chat_template)i);
        free(s);
    }
    CHECK(cn_chat_template_by_name("vicuna", &t) == CN_EINVAL);
    CHECK_MSG(strstr(cn_errmsg(), "unknown chat template 'vicuna'"), "%s", cn_errmsg());
    CHECK(cn_chat_template_by_name(NULL, &t) == CN_EINVAL);
    CHECK(cn_chat_template_name(CN_CHAT_NTEMPLATES) == NULL && cn_chat_template_jinja((cn_chat_template)-1) == NULL);
    CHECK(strcmp(cn_chat_template_name(CN_CHAT_CHIPNEMO), "chipnemo") == 0);
    CHECK(strstr(cn_chat_template_jinja(CN_CHAT_CHIPNEMO), "<extra_id_0>System\\n"));

    /* a list of named templates counts by its default */
    char *list = NULL;
    {
        cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "chat_template"), *e;
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", "tool_use");
        cJSON_AddStringToObject(e, "template", "{{ tools }}");
        cJSON_AddItemToArray(a, e);
        e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", "default");
        cJSON_AddStringToObject(e, "template", cn_chat_template_jinja(CN_CHAT_CHATML));
        cJSON_AddItemToArray(a, e);
        list = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
    }
    CHECK(find(list, &t) == CN_OK && t == CN_CHAT_CHATML);
    free(list);
    CHECK(find("{\"chat_template\": [{\"name\": \"rag\", \"template\": \"x\"}]}", &t) == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "tc.json: chat_template is a list without a 'default' template"), "%s", cn_errmsg());

    /* errors */
    char *s = config("{{ messages }}", NULL);
    CHECK(find(s, &t) == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "tc.json: chat_template is not one of the known templates"), "%s", cn_errmsg());
    free(s);
    /* equality is exact: a trailing newline is another template */
    char src[2048];
    snprintf(src, sizeof src, "%s\n", cn_chat_template_jinja(CN_CHAT_LLAMA2));
    s = config(src, NULL);
    CHECK(find(s, &t) == CN_EFORMAT);
    free(s);
    s = config(src, "llama2");
    CHECK(find(s, &t) == CN_EMISMATCH);
    CHECK_MSG(strstr(cn_errmsg(), "tc.json: chat_template_name is 'llama2' but chat_template is not that template's source"),
              "%s", cn_errmsg());
    free(s);
    s = config(NULL, "vicuna");
    CHECK(find(s, &t) == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "chat_template_name: unknown chat template 'vicuna'"), "%s", cn_errmsg());
    free(s);
    CHECK(find("{\"bos_token\": \"<s>\"}", &t) == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "tc.json: no chat template"), "%s", cn_errmsg());
    CHECK(find("{\"chat_template\": null}", &t) == CN_EFORMAT);
    CHECK(find("{\"chat_template\": 3}", &t) == CN_EFORMAT);
    CHECK(find("{\"chat_template_name\": 3}", &t) == CN_EFORMAT);
    CHECK(find("[\"chatml\"]", &t) == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "tc.json: not a JSON object"), "%s", cn_errmsg());
    CHECK(find("{\"chat_template_name\": \"chatml\",", &t) == CN_EFORMAT);
    CHECK(cn_chat_template_find("{}", 2, NULL, &t) == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "tokenizer_config.json: no chat template"), "%s", cn_errmsg());
}

static void test_tokens(void) {
    const char *json = "{\"bos_token\": \"<s>\", \"eos_token\": {\"__type\": \"AddedToken\", \"content\": \"</s>\", "
                       "\"lstrip\": false}, \"pad_token\": null, \"unk_token\": 0}";
    size_t n = strlen(json);
    char *s;
    CHECK(cn_chat_config_token(json, n, "tc.json", "bos_token", &s) == CN_OK && strcmp(s, "<s>") == 0);
    free(s);
    CHECK(cn_chat_config_token(json, n, "tc.json", "eos_token", &s) == CN_OK && strcmp(s, "</s>") == 0);
    free(s);
    CHECK(cn_chat_config_token(json, n, "tc.json", "pad_token", &s) == CN_OK && strcmp(s, "") == 0);
    free(s);
    CHECK(cn_chat_config_token(json, n, "tc.json", "sep_token", &s) == CN_OK && strcmp(s, "") == 0);
    free(s);
    CHECK(cn_chat_config_token(json, n, "tc.json", "unk_token", &s) == CN_EFORMAT && s == NULL);
    CHECK_MSG(strstr(cn_errmsg(), "tc.json: unk_token is neither a string nor a token object"), "%s", cn_errmsg());
    CHECK(cn_chat_config_token("nope", 4, NULL, "bos_token", &s) == CN_EFORMAT && s == NULL);
}

int main(void) {
    test_parse();
    test_jsonl();
    test_add();
    test_llama2();
    test_chatml();
    test_chipnemo();
    test_templates();
    test_tokens();
    return check_done();
}
