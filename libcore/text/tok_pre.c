/* tok_pre: pre-tokenizers, as Hugging Face tokenizers splits a normalized
 * piece into words: Metaspace, Split (a regex through PCRE2, or a string;
 * the five split behaviours; invert), ByteLevel (the GPT-2 regex and the
 * byte-to-character alphabet). They run as a chain, each on the pieces the
 * previous one made, and the model runs on the last pieces. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <cjson/cJSON.h>
#include <pcre2.h>
#include <utf8proc.h>
#include <stdlib.h>
#include <string.h>
#include "tok_impl.h"

/* GPT-2's pre-tokenizer pattern, as ByteLevel uses it */
const char tok_gpt2_re[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* ---- loading ---- */

static const char *str_field(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Metaspace in both of its forms: prepend_scheme (newer) or add_prefix_space (older) */
cn_status tok_metaspace(cn_tok *t, const cJSON *o, char *rep, size_t *replen, int *scheme) {
    const char *r = str_field(o, "replacement");
    if (!r || !*r || strlen(r) > 4) return cn_fail(CN_EFORMAT, "%s: Metaspace needs one replacement character", t->name);
    *replen = strlen(r);
    memcpy(rep, r, *replen + 1);
    const char *ps = str_field(o, "prepend_scheme");
    const cJSON *aps = cJSON_GetObjectItemCaseSensitive(o, "add_prefix_space");
    if (ps) {
        if (strcmp(ps, "always") == 0) *scheme = PREPEND_ALWAYS;
        else if (strcmp(ps, "first") == 0) *scheme = PREPEND_FIRST;
        else if (strcmp(ps, "never") == 0) *scheme = PREPEND_NEVER;
        else return cn_fail(CN_EFORMAT, "%s: Metaspace prepend_scheme '%s' unknown", t->name, ps);
    } else {
        *scheme = !aps || cJSON_IsTrue(aps) ? PREPEND_ALWAYS : PREPEND_NEVER;
    }
    return CN_OK;
}

static cn_status compile(cn_tok *t, tok_pre *p, const char *pattern) {
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                                   &err, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return cn_fail(CN_EFORMAT, "%s: pre_tokenizer regex at offset %zu: %s", t->name, (size_t)off, (char *)msg);
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter if JIT is unavailable */
    p->re = re;
    return (p->pattern = strdup(pattern)) ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
}

void *tok_pre_match_data(const tok_pre *p) { return p->re ? pcre2_match_data_create_from_pattern(p->re, NULL) : NULL; }
void tok_pre_match_data_free(void *md) {
    if (md) pcre2_match_data_free(md);
}

void tok_pre_free(tok_pre *p) {
    if (p->re) pcre2_code_free(p->re);
    free(p->pattern);
    free(p->lit);
}

static cn_status add(cn_tok *t, const tok_pre *p) {
    tok_pre *v = realloc(t->pre, (t->npre + 1) * sizeof *v);
    if (!v) return cn_fail(CN_ENOMEM, "out of memory");
    t->pre = v;
    t->pre[t->npre++] = *p;
    return CN_OK;
}

cn_status tok_pre_load(cn_tok *t, const struct cJSON *o) {
    if (!o || cJSON_IsNull(o)) return CN_OK;
    const char *ty = str_field(o, "type");
    if (!ty) ty = "?";
    tok_pre p = {0};
    cn_status st = CN_OK;
    if (strcmp(ty, "Sequence") == 0) {
        return tok_each(t, cJSON_GetObjectItemCaseSensitive(o, "pretokenizers"), tok_pre_load);
    } else if (strcmp(ty, "Metaspace") == 0) {
        p.type = PRE_METASPACE;
        if ((st = tok_metaspace(t, o, p.rep, &p.replen, &p.scheme))) return st;
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(o, "split");
        p.split = !sp || cJSON_IsTrue(sp);
        p.behavior = SPLIT_MERGED_NEXT;
    } else if (strcmp(ty, "Split") == 0) {
        p.type = PRE_SPLIT;
        const cJSON *pat = cJSON_GetObjectItemCaseSensitive(o, "pattern");
        const char *rx = str_field(pat, "Regex"), *lit = str_field(pat, "String");
        const char *beh = str_field(o, "behavior");
        static const char *names[] = {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"};
        p.behavior = -1;
        for (int i = 0; beh && i < 5; i++)
            if (strcmp(beh, names[i]) == 0) p.behavior = i;
        if (p.behavior < 0) return cn_fail(CN_EFORMAT, "%s: Split behavior '%s' unknown", t->name, beh ? beh : "?");
        p.invert = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "invert"));
        if (rx) st = compile(t, &p, rx);
        else if (lit && *lit) p.litlen = strlen(lit), p.lit = strdup(lit), st = p.lit ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
        else st = cn_fail(CN_EFORMAT, "%s: Split without a pattern", t->name);
    } else if (strcmp(ty, "BertPreTokenizer") == 0) {
        p.type = PRE_BERT;
    } else if (strcmp(ty, "ByteLevel") == 0) {
        p.type = PRE_BYTELEVEL;
        p.prefix_space = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "add_prefix_space"));
        const cJSON *ur = cJSON_GetObjectItemCaseSensitive(o, "use_regex");
        if (!ur || cJSON_IsTrue(ur)) st = compile(t, &p, tok_gpt2_re);
        p.behavior = SPLIT_ISOLATED;
    } else {
        return cn_fail(CN_EFORMAT, "%s: pre_tokenizer type '%s' is not supported", t->name, ty);
    }
    if (!st) st = add(t, &p);
    if (st) tok_pre_free(&p);
    return st;
}

/* ---- running ---- */

/* level k's output buffer, at least n bytes */
static char *level_buf(cn_tok_state *st, size_t k, size_t n) { return tok_grow(&st->lbuf[k], &st->lcap[k], n); }

typedef struct {
    size_t a, b;
    int match;
} span;

/* the matches and gaps of the pattern over s, in order, covering s */
static cn_status find(const cn_tok *t, const tok_pre *p, void *md, const char *s, size_t n, span **out, size_t *count) {
    size_t cap = 16, k = 0, prev = 0;
    span *v = malloc(cap * sizeof *v);
    if (!v) return cn_fail(CN_ENOMEM, "out of memory");
#define PUSH(x, y, m)                                                          \
    do {                                                                       \
        if (k + 1 >= cap) {                                                    \
            cap *= 2;                                                          \
            span *nv = realloc(v, cap * sizeof *v);                            \
            if (!nv) {                                                         \
                free(v);                                                       \
                return cn_fail(CN_ENOMEM, "out of memory");                    \
            }                                                                  \
            v = nv;                                                            \
        }                                                                      \
        v[k++] = (span){(x), (y), (m)};                                        \
    } while (0)
    size_t at = 0;
    while (at <= n) {
        size_t ms, me;
        if (p->re) {
            int rc = pcre2_match(p->re, (PCRE2_SPTR)s, n, at, PCRE2_NO_UTF_CHECK, md, NULL);
            if (rc == PCRE2_ERROR_NOMATCH) break;
            if (rc < 0) {
                free(v);
                return cn_fail(CN_EFORMAT, "%s: pre_tokenizer regex failed (%d)", t->name, rc);
            }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            ms = ov[0], me = ov[1];
        } else {
            const char *hit = p->litlen <= n - at ? memmem(s + at, n - at, p->lit, p->litlen) : NULL;
            if (!hit) break;
            ms = (size_t)(hit - s), me = ms + p->litlen;
        }
        if (prev != ms) PUSH(prev, ms, 0);
        PUSH(ms, me, 1);
        prev = me;
        if (me == ms) {
            /* an empty match: step one character on */
            if (me >= n) break;
            at = me + 1;
            while (at < n && ((unsigned char)s[at] & 0xC0) == 0x80) at++;
        } else {
            at = me;
        }
    }
    if (prev != n) PUSH(prev, n, 0);
#undef PUSH
    if (p->invert)
        for (size_t i = 0; i < k; i++) v[i].match = !v[i].match;
    *out = v;
    *count = k;
    return CN_OK;
}

/* applies a split behaviour in place: the pieces to keep, in order */
static size_t behave(span *v, size_t k, int behavior) {
    size_t o = 0;
    int prev = 0;
    switch (behavior) {
    case SPLIT_REMOVED:
        for (size_t i = 0; i < k; i++)
            if (!v[i].match) v[o++] = v[i];
        return o;
    case SPLIT_ISOLATED:
        return k;
    case SPLIT_MERGED_PREV:
        for (size_t i = 0; i < k; i++) {
            if (v[i].match && !prev && o) v[o - 1].b = v[i].b;
            else v[o++] = v[i];
            prev = v[i].match;
        }
        return o;
    case SPLIT_MERGED_NEXT: {
        /* from the end: a match joins the piece after it */
        size_t w = k;
        for (size_t i = k; i-- > 0;) {
            int m = v[i].match;
            if (m && !prev && w < k) v[w].a = v[i].a;
            else v[--w] = v[i];
            prev = m;
        }
        memmove(v, v + w, (k - w) * sizeof *v);
        return k - w;
    }
    case SPLIT_CONTIGUOUS:
        for (size_t i = 0; i < k; i++) {
            if (o && v[i].match == prev) v[o - 1].b = v[i].b;
            else v[o++] = v[i];
            prev = v[i].match;
        }
        return o;
    }
    return k;
}

/* splits s with level k's pattern and runs the next levels on the pieces */
static cn_status split_run(const cn_tok *t, cn_tok_state *ts, size_t k, const tok_pre *p, const char *s, size_t n,
                           int at_start, cn_ids *out) {
    span *v;
    size_t count;
    cn_status st = find(t, p, ts->md[k], s, n, &v, &count);
    if (st) return st;
    count = behave(v, count, p->behavior);
    for (size_t i = 0; !st && i < count; i++)
        if (v[i].b > v[i].a) st = tok_pre_run(t, ts, k + 1, s + v[i].a, v[i].b - v[i].a, TOK_AT(at_start, v[i].a == 0), out);
    free(v);
    return st;
}

cn_status tok_pre_run(const cn_tok *t, cn_tok_state *ts, size_t k, const char *s, size_t n, int at_start, cn_ids *out) {
    if (n == 0) return CN_OK;
    if (k == t->npre) {
        if (ts->word_fn) return ts->word_fn(s, n, ts->word_arg);
        return t->bpe.wordpiece ? tok_wordpiece_word(t, s, n, out) : tok_bpe_word(t, &ts->work, s, n, out);
    }
    const tok_pre *p = &t->pre[k];
    if (p->type == PRE_SPLIT) return split_run(t, ts, k, p, s, n, at_start, out);
    if (p->type == PRE_BERT) return tok_bert_split(t, ts, k, s, n, at_start, out);
    if (p->type == PRE_METASPACE) {
        /* spaces become the replacement; it is prepended as the scheme says */
        char *dst = level_buf(ts, k, 4 * n + p->replen + 1);
        if (!dst) return cn_fail(CN_ENOMEM, "out of memory");
        size_t m = 0;
        int prepend = at_start != TOK_CONTINUED && (p->scheme == PREPEND_ALWAYS || (p->scheme == PREPEND_FIRST && at_start));
        if (prepend && s[0] != ' ' && !(n >= p->replen && memcmp(s, p->rep, p->replen) == 0)) {
            memcpy(dst, p->rep, p->replen);
            m = p->replen;
        }
        for (size_t i = 0; i < n; i++) {
            if (s[i] == ' ') memcpy(dst + m, p->rep, p->replen), m += p->replen;
            else dst[m++] = s[i];
        }
        if (!p->split) return tok_pre_run(t, ts, k + 1, dst, m, at_start, out);
        /* split before each replacement, with a literal pattern */
        tok_pre q = *p;
        q.re = NULL;
        q.lit = (char *)p->rep; /* read only */
        q.litlen = p->replen;
        q.invert = 0;
        return split_run(t, ts, k, &q, dst, m, at_start, out);
    }
    /* ByteLevel: a space in front if asked, the GPT-2 split, then each byte
     * as its character */
    char *dst = level_buf(ts, k, 2 * (n + 1));
    if (!dst) return cn_fail(CN_ENOMEM, "out of memory");
    size_t m = 0, len;
    if (p->prefix_space && at_start != TOK_CONTINUED && s[0] != ' ') {
        const char *c = tok_bl_char(' ', &len);
        memcpy(dst, c, len);
        m = len;
    }
    if (!p->re) {
        for (size_t i = 0; i < n; i++) {
            const char *c = tok_bl_char((uint8_t)s[i], &len);
            memcpy(dst + m, c, len);
            m += len;
        }
        return tok_pre_run(t, ts, k + 1, dst, m, at_start, out);
    }
    /* the regex runs on the text (with its prefix space), then each piece is mapped */
    char *raw = malloc(n + 2);
    if (!raw) return cn_fail(CN_ENOMEM, "out of memory");
    size_t rn = 0;
    if (p->prefix_space && at_start != TOK_CONTINUED && s[0] != ' ') raw[rn++] = ' ';
    memcpy(raw + rn, s, n);
    rn += n;
    span *v;
    size_t count;
    cn_status st = find(t, p, ts->md[k], raw, rn, &v, &count);
    if (st) {
        free(raw);
        return st;
    }
    for (size_t i = 0; !st && i < count; i++) {
        if (v[i].b == v[i].a) continue;
        m = 0;
        for (size_t j = v[i].a; j < v[i].b; j++) {
            const char *c = tok_bl_char((uint8_t)raw[j], &len);
            memcpy(dst + m, c, len);
            m += len;
        }
        st = tok_pre_run(t, ts, k + 1, dst, m, TOK_AT(at_start, v[i].a == 0), out);
    }
    free(v);
    free(raw);
    return st;
}

/* BertPreTokenizer: whitespace removed, each punctuation character alone */
cn_status tok_bert_split(const cn_tok *t, cn_tok_state *ts, size_t k, const char *s, size_t n, int at_start, cn_ids *out) {
    size_t start = 0;
    for (size_t i = 0; i < n;) {
        int32_t c;
        utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
        if (l <= 0) l = 1, c = 0xFFFD;
        int sp = tok_is_space(c), pu = !sp && tok_is_punct(c);
        if (sp || pu) {
            cn_status st = CN_OK;
            if (i > start) st = tok_pre_run(t, ts, k + 1, s + start, i - start, TOK_AT(at_start, start == 0), out);
            if (!st && pu) st = tok_pre_run(t, ts, k + 1, s + i, (size_t)l, TOK_AT(at_start, i == 0), out);
            if (st) return st;
            start = i + (size_t)l;
        }
        i += (size_t)l;
    }
    return start < n ? tok_pre_run(t, ts, k + 1, s + start, n - start, TOK_AT(at_start, start == 0), out) : CN_OK;
}
