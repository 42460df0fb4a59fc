/* chat: conversations, the llama2 / chatml / chipnemo templates, and the
 * trained pieces of a rendered conversation. */
#include "chat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io.h"
#include "utf8.h"

/* ---- templates' Jinja sources ----
 * llama2 and chatml are the official texts, byte for byte (tests/sh/chat-ref.sh
 * compares them with the copies that npm packages ship), so that a model
 * directory from the Hub is recognised by equality. chipnemo is ours. */

static const char llama2_jinja[] =
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
    "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
    "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

/* its Jinja string literals hold real newlines, as the JSON of ChatML models'
 * tokenizer_config.json files gives them */
static const char chatml_jinja[] =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/* One line, so that no Jinja whitespace option changes it. The role check
 * mirrors cn_chat_add's rule; the trailing <extra_id_1> after a final answer
 * is NeMo's (see chat.h). */
static const char chipnemo_jinja[] =
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{% set system_message = messages[0]['content'] %}"
    "{% set loop_messages = messages[1:] %}{% else %}{% set system_message = '' %}{% set loop_messages = messages %}"
    "{% endif %}{{ '<extra_id_0>System\\n' + system_message + '\\n' }}{% for message in loop_messages %}"
    "{% if message['role'] == 'user' and loop.index0 % 2 == 0 %}{{ '<extra_id_1>User\\n' + message['content'] + '\\n' }}"
    "{% elif message['role'] == 'assistant' and loop.index0 % 2 == 1 %}"
    "{{ '<extra_id_1>Assistant\\n' + message['content'] + '\\n' }}"
    "{% else %}{{ raise_exception('chipnemo: roles must alternate user, assistant, ... after an optional system message') }}"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<extra_id_1>Assistant\\n' }}"
    "{% elif messages[-1]['role'] == 'assistant' %}{{ '<extra_id_1>' }}{% endif %}";

static const struct {
    const char *name, *jinja;
    const char *marker[2]; /* [1]: the one that ends an answer */
} templates[CN_CHAT_NTEMPLATES] = {
    [CN_CHAT_LLAMA2] = {"llama2", llama2_jinja, {NULL, NULL}},
    [CN_CHAT_CHATML] = {"chatml", chatml_jinja, {"<|im_start|>", "<|im_end|>"}},
    [CN_CHAT_CHIPNEMO] = {"chipnemo", chipnemo_jinja, {"<extra_id_0>", "<extra_id_1>"}},
};

int cn_chat_template_markers(cn_chat_template t, const char *m[2]) {
    if ((unsigned)t >= CN_CHAT_NTEMPLATES || !templates[t].marker[0]) return 0;
    m[0] = templates[t].marker[0], m[1] = templates[t].marker[1];
    return 2;
}

const char *cn_chat_template_end(cn_chat_template t) {
    return (unsigned)t < CN_CHAT_NTEMPLATES ? templates[t].marker[1] : NULL;
}

const char *cn_chat_template_name(cn_chat_template t) {
    return (unsigned)t < CN_CHAT_NTEMPLATES ? templates[t].name : NULL;
}

const char *cn_chat_template_jinja(cn_chat_template t) {
    return (unsigned)t < CN_CHAT_NTEMPLATES ? templates[t].jinja : NULL;
}

cn_status cn_chat_template_by_name(const char *name, cn_chat_template *t) {
    for (int i = 0; i < CN_CHAT_NTEMPLATES; i++)
        if (name && strcmp(name, templates[i].name) == 0) {
            *t = (cn_chat_template)i;
            return CN_OK;
        }
    return cn_fail(CN_EINVAL, "unknown chat template '%.64s' (known: llama2, chatml, chipnemo)", name ? name : "");
}

/* ---- conversations ---- */

static const char *role_names[] = {"system", "user", "assistant"};

const char *cn_chat_role_name(cn_chat_role r) { return (unsigned)r <= CN_CHAT_ASSISTANT ? role_names[r] : "?"; }

cn_chat *cn_chat_new(void) {
    cn_chat *c = calloc(1, sizeof *c);
    if (!c) cn_fail(CN_ENOMEM, "out of memory");
    return c;
}

void cn_chat_free(cn_chat *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) free(c->msg[i].text);
    free(c->msg);
    free(c);
}

/* NULL when role r may come next in c, else why not */
static const char *order_error(const cn_chat *c, cn_chat_role r) {
    if (r == CN_CHAT_SYSTEM) return c->n ? "a system message after the first message" : NULL;
    size_t turns = c->n - (c->n && c->msg[0].role == CN_CHAT_SYSTEM); /* user and assistant messages so far */
    cn_chat_role want = turns % 2 == 0 ? CN_CHAT_USER : CN_CHAT_ASSISTANT;
    if (r == want) return NULL;
    return want == CN_CHAT_USER ? (turns ? "two assistant messages in a row (roles alternate user/assistant)"
                                         : "an assistant message before any user message")
                                : "two user messages in a row (roles alternate user/assistant)";
}

cn_status cn_chat_add(cn_chat *c, cn_chat_role r, const char *text, size_t len) {
    if ((unsigned)r > CN_CHAT_ASSISTANT) return cn_fail(CN_EINVAL, "messages[%zu]: bad role %d", c->n, (int)r);
    const char *why = order_error(c, r);
    if (why) return cn_fail(CN_EINVAL, "messages[%zu]: %s", c->n, why);
    size_t bad = cn_utf8_check(text, len);
    if (bad != len) return cn_fail(CN_EINVAL, "messages[%zu]: content is not valid UTF-8 (byte %zu)", c->n, bad + 1);
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        cn_chat_msg *m = realloc(c->msg, cap * sizeof *m);
        if (!m) return cn_fail(CN_ENOMEM, "out of memory");
        c->msg = m;
        c->cap = cap;
    }
    char *s = malloc(len + 1);
    if (!s) return cn_fail(CN_ENOMEM, "out of memory");
    if (len) memcpy(s, text, len);
    s[len] = 0;
    c->msg[c->n++] = (cn_chat_msg){r, s, len};
    return CN_OK;
}

/* fails with "WHERE: " before the message when where is given */
static cn_status fail_at(cn_status st, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static cn_status fail_at(cn_status st, const char *where, const char *fmt, ...) {
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return where ? cn_fail(st, "%s: %s", where, msg) : cn_fail(st, "%s", msg);
}

cn_status cn_chat_parse(const cJSON *rec, const char *where, cn_chat **out) {
    *out = NULL;
    if (!cJSON_IsObject(rec)) return fail_at(CN_EFORMAT, where, "not a JSON object");
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(rec, "messages");
    if (!msgs) return fail_at(CN_EFORMAT, where, "missing field 'messages'");
    if (!cJSON_IsArray(msgs)) return fail_at(CN_EFORMAT, where, "field 'messages' is not an array");
    if (!msgs->child) return fail_at(CN_EFORMAT, where, "'messages' is empty");
    cn_chat *c = cn_chat_new();
    if (!c) return CN_ENOMEM;
    cn_status st = CN_OK;
    size_t i = 0;
    for (const cJSON *m = msgs->child; m; m = m->next, i++) {
        if (!cJSON_IsObject(m)) {
            st = fail_at(CN_EFORMAT, where, "messages[%zu] is not an object", i);
            goto fail;
        }
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
        if (!role || !cJSON_IsString(role)) {
            st = fail_at(CN_EFORMAT, where, "messages[%zu]: %s", i, role ? "'role' is not a string" : "missing 'role'");
            goto fail;
        }
        cn_chat_role r;
        if (strcmp(role->valuestring, "system") == 0) r = CN_CHAT_SYSTEM;
        else if (strcmp(role->valuestring, "user") == 0) r = CN_CHAT_USER;
        else if (strcmp(role->valuestring, "assistant") == 0) r = CN_CHAT_ASSISTANT;
        else {
            st = fail_at(CN_EFORMAT, where, "messages[%zu]: role '%.40s' is not system, user or assistant", i,
                         role->valuestring);
            goto fail;
        }
        if (!content || !cJSON_IsString(content)) {
            st = fail_at(CN_EFORMAT, where, "messages[%zu]: %s", i,
                         content ? "'content' is not a string" : "missing 'content'");
            goto fail;
        }
        /* the order and UTF-8 checks are cn_chat_add's (its messages name messages[i]) */
        if ((st = cn_chat_add(c, r, content->valuestring, strlen(content->valuestring)))) {
            if (st != CN_ENOMEM) st = fail_at(CN_EFORMAT, where, "%s", cn_errmsg());
            goto fail;
        }
    }
    if (c->n == 1 && c->msg[0].role == CN_CHAT_SYSTEM) {
        st = fail_at(CN_EFORMAT, where, "no user message (only a system message)");
        goto fail;
    }
    *out = c;
    return CN_OK;
fail:
    cn_chat_free(c);
    return st;
}

/* ---- tokenizer_config.json ---- */

static const char *nm(const char *name) { return name ? name : "tokenizer_config.json"; }

/* a tokenizer_config's "chat_template": itself, or the "default" one of
 * transformers' named templates, [{"name": ..., "template": ...}] (NULL when
 * the list has none) */
static const cJSON *template_source(const cJSON *o) {
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "chat_template"), *def = NULL, *e;
    if (!cJSON_IsArray(src)) return src;
    cJSON_ArrayForEach(e, src) {
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (cJSON_IsString(en) && strcmp(en->valuestring, "default") == 0) def = cJSON_GetObjectItemCaseSensitive(e, "template");
    }
    return def;
}

cn_status cn_chat_config_jinja(const char *json, size_t n, const char *name, char **out) {
    *out = NULL;
    cJSON *o = cJSON_ParseWithLength(json, n);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return cn_fail(CN_EFORMAT, "%s: not a JSON object", nm(name));
    }
    const cJSON *src = template_source(o);
    cn_status st = cJSON_IsString(src) && !(*out = strdup(src->valuestring)) ? cn_fail(CN_ENOMEM, "out of memory") : CN_OK;
    cJSON_Delete(o);
    return st;
}

cn_status cn_chat_template_find(const char *json, size_t n, const char *name, cn_chat_template *t) {
    cJSON *o = cJSON_ParseWithLength(json, n);
    cn_status st = CN_OK;
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return cn_fail(CN_EFORMAT, "%s: not a JSON object", nm(name));
    }
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, CN_CHAT_TEMPLATE_KEY);
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "chat_template");
    if (cJSON_IsArray(src)) { /* transformers' named templates */
        const cJSON *def = template_source(o);
        if (!cJSON_IsString(def)) {
            st = cn_fail(CN_EFORMAT, "%s: chat_template is a list without a 'default' template", nm(name));
            goto out;
        }
        src = def;
    } else if (src && !cJSON_IsNull(src) && !cJSON_IsString(src)) {
        st = cn_fail(CN_EFORMAT, "%s: chat_template is neither a string nor a list", nm(name));
        goto out;
    }
    if (key && !cJSON_IsNull(key)) {
        if (!cJSON_IsString(key)) {
            st = cn_fail(CN_EFORMAT, "%s: %s is not a string", nm(name), CN_CHAT_TEMPLATE_KEY);
            goto out;
        }
        if (cn_chat_template_by_name(key->valuestring, t)) {
            st = cn_fail(CN_EFORMAT, "%s: %s: unknown chat template '%.64s' (known: llama2, chatml, chipnemo)", nm(name),
                         CN_CHAT_TEMPLATE_KEY, key->valuestring);
            goto out;
        }
        if (cJSON_IsString(src) && strcmp(src->valuestring, templates[*t].jinja) != 0)
            st = cn_fail(CN_EMISMATCH, "%s: %s is '%s' but chat_template is not that template's source", nm(name),
                         CN_CHAT_TEMPLATE_KEY, templates[*t].name);
        goto out;
    }
    if (!cJSON_IsString(src)) {
        st = cn_fail(CN_EFORMAT, "%s: no chat template (neither %s nor chat_template)", nm(name), CN_CHAT_TEMPLATE_KEY);
        goto out;
    }
    for (int i = 0; i < CN_CHAT_NTEMPLATES; i++)
        if (strcmp(src->valuestring, templates[i].jinja) == 0) {
            *t = (cn_chat_template)i;
            goto out;
        }
    st = cn_fail(CN_EFORMAT, "%s: chat_template is not one of the known templates (llama2, chatml, chipnemo)", nm(name));
out:
    cJSON_Delete(o);
    return st;
}

cn_status cn_chat_dir_template(const char *dir, cn_chat_template *t, char **bos, char **eos) {
    char *path = cn_path_join(dir, "tokenizer_config.json");
    size_t n;
    char *text = path ? cn_read_all(path, &n) : NULL;
    if (!text) return free(path), cn_last_status();
    cn_status st = cn_chat_template_find(text, n, path, t);
    if (!st && bos) st = cn_chat_config_token(text, n, path, "bos_token", bos);
    if (!st && eos) st = cn_chat_config_token(text, n, path, "eos_token", eos);
    free(text), free(path);
    return st;
}

cn_status cn_chat_config_token(const char *json, size_t n, const char *name, const char *key, char **out) {
    *out = NULL;
    cJSON *o = cJSON_ParseWithLength(json, n);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return cn_fail(CN_EFORMAT, "%s: not a JSON object", nm(name));
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsObject(v)) v = cJSON_GetObjectItemCaseSensitive(v, "content");
    const char *s = "";
    cn_status st = CN_OK;
    if (cJSON_IsString(v)) s = v->valuestring;
    else if (v && !cJSON_IsNull(v)) st = cn_fail(CN_EFORMAT, "%s: %.64s is neither a string nor a token object", nm(name), key);
    if (!st && !(*out = strdup(s))) st = cn_fail(CN_ENOMEM, "out of memory");
    cJSON_Delete(o);
    return st;
}

/* ---- rendering ---- */

typedef struct {
    cn_chat_pieces *p;
    size_t cap, pcap;
    int oom;
} builder;

/* appends n bytes as trained or not, joining a neighbour of the same kind */
static void put(builder *b, const char *s, size_t n, int trained) {
    cn_chat_pieces *p = b->p;
    if (b->oom || n == 0) return;
    if (p->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < p->len + n + 1) cap *= 2;
        char *t = realloc(p->text, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        p->text = t;
        b->cap = cap;
    }
    memcpy(p->text + p->len, s, n);
    if (p->n && p->piece[p->n - 1].trained == trained) {
        p->piece[p->n - 1].len += n;
    } else {
        if (p->n == b->pcap) {
            size_t cap = b->pcap ? 2 * b->pcap : 16;
            cn_chat_piece *q = realloc(p->piece, cap * sizeof *q);
            if (!q) {
                b->oom = 1;
                return;
            }
            p->piece = q;
            b->pcap = cap;
        }
        p->piece[p->n++] = (cn_chat_piece){p->len, n, trained};
    }
    p->len += n;
    p->text[p->len] = 0;
}

static void puts0(builder *b, const char *s, int trained) { put(b, s, strlen(s), trained); }

/* Python's str.isspace(): Unicode's White_Space characters, plus the
 * information separators U+001C..U+001F that Python counts as well */
static int py_space(int32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* s[*a, *b) less Python-strip()'s white space at both ends (s is valid UTF-8) */
static void py_strip(const char *s, size_t *a, size_t *b) {
    int32_t c;
    while (*a < *b) {
        size_t k = cn_utf8_decode(s + *a, *b - *a, &c);
        if (!py_space(c)) break;
        *a += k;
    }
    while (*b > *a) {
        size_t k = *b - 1;
        while (k > *a && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
        cn_utf8_decode(s + k, *b - k, &c);
        if (!py_space(c)) break;
        *b = k;
    }
}

static void put_stripped(builder *b, const char *s, size_t n, int trained) {
    size_t x = 0, y = n;
    py_strip(s, &x, &y);
    put(b, s + x, y - x, trained);
}

static void render_llama2(builder *b, const cn_chat *c, const char *bos, const char *eos) {
    size_t first = c->msg[0].role == CN_CHAT_SYSTEM;
    for (size_t i = first; i < c->n; i++) {
        const cn_chat_msg *m = &c->msg[i];
        if (m->role == CN_CHAT_USER) {
            puts0(b, bos, 0);
            puts0(b, "[INST] ", 0);
            if (i == 1 && first) { /* the system block and the first turn are stripped as one string */
                const cn_chat_msg *sys = &c->msg[0];
                static const char pre[] = "<<SYS>>\n", mid[] = "\n<</SYS>>\n\n";
                size_t n = sizeof pre - 1 + sys->len + sizeof mid - 1 + m->len;
                char *tmp = malloc(n);
                if (!tmp) {
                    b->oom = 1;
                    return;
                }
                memcpy(tmp, pre, sizeof pre - 1);
                memcpy(tmp + sizeof pre - 1, sys->text, sys->len);
                memcpy(tmp + sizeof pre - 1 + sys->len, mid, sizeof mid - 1);
                memcpy(tmp + sizeof pre - 1 + sys->len + sizeof mid - 1, m->text, m->len);
                put_stripped(b, tmp, n, 0);
                free(tmp);
            } else {
                put_stripped(b, m->text, m->len, 0);
            }
            puts0(b, " [/INST]", 0);
        } else {
            puts0(b, " ", 1);
            put_stripped(b, m->text, m->len, 1);
            puts0(b, " ", 1);
            puts0(b, eos, 1);
        }
    }
}

static void render_chatml(builder *b, const cn_chat *c, int gen) {
    for (size_t i = 0; i < c->n; i++) {
        const cn_chat_msg *m = &c->msg[i];
        int tr = m->role == CN_CHAT_ASSISTANT;
        puts0(b, "<|im_start|>", 0);
        puts0(b, role_names[m->role], 0);
        puts0(b, "\n", 0);
        put(b, m->text, m->len, tr);
        puts0(b, "<|im_end|>", tr);
        puts0(b, "\n", 0);
    }
    if (gen) puts0(b, "<|im_start|>assistant\n", 0);
}

static void render_chipnemo(builder *b, const cn_chat *c, const char *bos, int gen) {
    size_t first = c->msg[0].role == CN_CHAT_SYSTEM;
    puts0(b, bos, 0);
    puts0(b, "<extra_id_0>System\n", 0);
    if (first) put(b, c->msg[0].text, c->msg[0].len, 0);
    puts0(b, "\n", 0);
    int after_answer = 0; /* the turn start that follows an answer is trained */
    for (size_t i = first; i < c->n; i++) {
        const cn_chat_msg *m = &c->msg[i];
        int tr = m->role == CN_CHAT_ASSISTANT;
        puts0(b, "<extra_id_1>", after_answer);
        puts0(b, tr ? "Assistant\n" : "User\n", 0);
        put(b, m->text, m->len, tr);
        puts0(b, "\n", tr);
        after_answer = tr;
    }
    if (gen) {
        puts0(b, "<extra_id_1>", after_answer);
        puts0(b, "Assistant\n", 0);
    } else if (after_answer) {
        puts0(b, "<extra_id_1>", 1);
    }
}

void cn_chat_pieces_free(cn_chat_pieces *p) {
    if (!p) return;
    free(p->text);
    free(p->piece);
    memset(p, 0, sizeof *p);
}

cn_status cn_chat_render(const cn_chat *c, cn_chat_template t, const char *bos, const char *eos, int flags,
                         cn_chat_pieces *out) {
    memset(out, 0, sizeof *out);
    if ((unsigned)t >= CN_CHAT_NTEMPLATES) return cn_fail(CN_EINVAL, "bad chat template id %d", (int)t);
    if (!c || c->n == 0 || (c->n == 1 && c->msg[0].role == CN_CHAT_SYSTEM))
        return cn_fail(CN_EINVAL, "a conversation with no user message");
    builder b = {out, 0, 0, 0};
    bos = bos ? bos : "";
    eos = eos ? eos : "";
    int gen = (flags & CN_CHAT_GEN_PROMPT) != 0;
    switch (t) {
    case CN_CHAT_LLAMA2: render_llama2(&b, c, bos, eos); break; /* no generation prompt: ends with " [/INST]" */
    case CN_CHAT_CHATML: render_chatml(&b, c, gen); break;
    case CN_CHAT_CHIPNEMO: render_chipnemo(&b, c, bos, gen); break;
    default: break;
    }
    if (!b.oom && !out->text) { /* nothing rendered (cannot happen with a user message, but keep text valid) */
        out->text = calloc(1, 1);
        if (!out->text) b.oom = 1;
    }
    if (b.oom) {
        cn_chat_pieces_free(out);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    return CN_OK;
}

char *cn_chat_answer_line(cJSON *rec, const char *answer, size_t *n) {
    cJSON *msgs = cJSON_GetObjectItemCaseSensitive(rec, "messages"), *a = cJSON_CreateObject();
    if (!a || !cJSON_AddStringToObject(a, "role", "assistant") || !cJSON_AddStringToObject(a, "content", answer) ||
        !cJSON_AddItemToArray(msgs, a)) {
        cJSON_Delete(a);
        return NULL;
    }
    char *line = cJSON_PrintUnformatted(rec);
    size_t len = line ? strlen(line) : 0;
    char *x = line ? realloc(line, len + 2) : NULL;
    if (!x) return free(line), NULL;
    x[len++] = '\n', x[len] = 0;
    *n = len;
    return x;
}

int cn_chat_answers(const char *line, size_t n, const cJSON *rec) {
    cJSON *k = cJSON_ParseWithLength(line, n), *msgs = cJSON_GetObjectItemCaseSensitive(k, "messages");
    int ok = cJSON_IsArray(msgs) && cJSON_GetArraySize(msgs) > 0;
    if (ok) {
        cJSON *last = cJSON_DetachItemFromArray(msgs, cJSON_GetArraySize(msgs) - 1);
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(last, "role");
        ok = cJSON_IsString(role) && strcmp(role->valuestring, "assistant") == 0 && cJSON_Compare(k, rec, 1);
        cJSON_Delete(last);
    }
    cJSON_Delete(k);
    return ok;
}
