/* jsonl: line-at-a-time JSON records over a cn_in stream. */
#include "jsonl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>
#include "utf8.h"

struct cn_jsonl {
    cn_in *in;
    int flags;
    uint64_t line;
    cJSON *obj;
    char *fix;      /* repaired copy of a line with invalid UTF-8 */
    size_t fixcap;
    char *nulfix;   /* copy of a line with \u0000 escapes rewritten */
    size_t nulcap;
    uint32_t nul;   /* the character standing for NUL in this line, or 0 */
    struct restored { const cJSON *v; size_t n; } *done; /* the strings turned back, and their lengths */
    int ndone, capdone;
};

/* A \u0000 escape cannot live in cJSON's C strings. Such a line is parsed
 * with each \u0000 escape rewritten to a noncharacter that the line does not
 * otherwise hold (U+FDD0..U+FDEF, as the escape \uFDDx / \uFDEx, same length),
 * and cn_jsonl_text turns that character back into a NUL byte. */

/* 1 when the escape at p (a backslash) is preceded by an even number of
 * backslashes, so it is an escape and not an escaped backslash's tail */
static int is_escape(const char *s, const char *p) {
    size_t k = 0;
    while (p - k > s && p[-1 - (ptrdiff_t)k] == '\\') k++;
    return k % 2 == 0;
}

static int has_nul_escape(const char *s, size_t n) {
    const char *p = s, *end = s + n;
    while ((p = memmem(p, (size_t)(end - p), "\\u0000", 6)) != NULL) {
        if (is_escape(s, p)) return 1;
        p++;
    }
    return 0;
}

/* 1 when line s holds code point c (U+FDD0..U+FDEF) raw or as an escape */
static int holds(const char *s, size_t n, uint32_t c) {
    char raw[3] = {(char)0xEF, (char)(0x80 | ((c >> 6) & 0x3F)), (char)(0x80 | (c & 0x3F))};
    if (memmem(s, n, raw, 3)) return 1;
    char hex[5];
    snprintf(hex, sizeof hex, "%04x", c);
    for (const char *p = s; (p = memmem(p, (size_t)(s + n - p), "\\u", 2)) != NULL; p += 2)
        if (s + n - p >= 6 && strncasecmp(p + 2, hex, 4) == 0) return 1;
    return 0;
}

cn_jsonl *cn_jsonl_new(cn_in *in, int flags) {
    cn_jsonl *j = calloc(1, sizeof *j);
    if (!j) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    j->in = in;
    j->flags = flags;
    return j;
}

void cn_jsonl_free(cn_jsonl *j) {
    if (!j) return;
    cJSON_Delete(j->obj);
    free(j->fix);
    free(j->nulfix);
    free(j->done);
    free(j);
}

uint64_t cn_jsonl_line(const cn_jsonl *j) { return j->line; }

static int blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

cn_status cn_jsonl_next(cn_jsonl *j, cJSON **obj) {
    const char *name = cn_in_name(j->in);
    cJSON_Delete(j->obj);
    j->obj = NULL;
    for (;;) {
        /* find the end of the next line, asking for more bytes until a newline or EOF */
        size_t avail, want = 1, len;
        const char *p, *nl;
        for (;;) {
            p = (const char *)cn_in_get(j->in, want, &avail);
            if (!p) return cn_in_status(j->in);
            nl = memchr(p, '\n', avail);
            if (nl || avail < want) break;
            want = avail + (avail < 65536 ? 65536 : avail);
        }
        if (avail == 0) return CN_EOF;
        len = nl ? (size_t)(nl - p) : avail;
        j->line++;
        if (blank(p, len)) {
            cn_in_skip(j->in, len + (nl != NULL));
            continue;
        }
        const char *text = p;
        size_t rawlen = len;
        size_t bad = cn_utf8_check(p, len);
        if (bad != len) {
            if (!(j->flags & CN_JSONL_REPLACE_UTF8)) {
                cn_in_skip(j->in, len + (nl != NULL));
                return cn_fail(CN_EUTF8, "%s:%llu: invalid UTF-8 at byte %zu", name, (unsigned long long)j->line, bad + 1);
            }
            if (j->fixcap < 3 * len + 1) {
                char *f = realloc(j->fix, 3 * len + 1);
                if (!f) return cn_fail(CN_ENOMEM, "out of memory");
                j->fix = f;
                j->fixcap = 3 * len + 1;
            }
            len = cn_utf8_repair(j->fix, p, len);
            text = j->fix;
        }
        j->nul = 0;
        j->ndone = 0;
        if (has_nul_escape(text, len)) {
            for (uint32_t c = 0xFDD0; c <= 0xFDEF && !j->nul; c++)
                if (!holds(text, len, c)) j->nul = c;
            if (!j->nul) {
                cn_in_skip(j->in, rawlen + (nl != NULL));
                return cn_fail(CN_EFORMAT, "%s:%llu: a \\u0000 in a line that holds every character U+FDD0..U+FDEF",
                               name, (unsigned long long)j->line);
            }
            if (j->nulcap < len + 1) {
                char *f = realloc(j->nulfix, len + 1);
                if (!f) return cn_fail(CN_ENOMEM, "out of memory");
                j->nulfix = f;
                j->nulcap = len + 1;
            }
            memcpy(j->nulfix, text, len);
            char hex[5];
            snprintf(hex, sizeof hex, "%04X", j->nul);
            for (char *q = j->nulfix; (q = memmem(q, (size_t)(j->nulfix + len - q), "\\u0000", 6)) != NULL; q += 6)
                if (is_escape(j->nulfix, q)) memcpy(q + 2, hex, 4);
            text = j->nulfix;
        }
        const char *end = NULL;
        cJSON *o = cJSON_ParseWithLengthOpts(text, len, &end, 0);
        size_t col = end ? (size_t)(end - text) + 1 : 1;
        int trailing = o && end && !blank(end, len - (size_t)(end - text));
        cn_in_skip(j->in, rawlen + (nl != NULL));
        if (!o || trailing) {
            cJSON_Delete(o);
            return cn_fail(CN_EFORMAT, "%s:%llu: malformed JSON at column %zu", name, (unsigned long long)j->line, col);
        }
        if (!cJSON_IsObject(o)) {
            cJSON_Delete(o);
            return cn_fail(CN_EFORMAT, "%s:%llu: not a JSON object", name, (unsigned long long)j->line);
        }
        j->obj = o;
        *obj = o;
        return CN_OK;
    }
}

const char *cn_jsonl_label(cn_jsonl *j, const char *field) {
    const cJSON *v = j->obj ? cJSON_GetObjectItemCaseSensitive(j->obj, field) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

cn_status cn_jsonl_ids(cn_jsonl *j, uint64_t vocab, uint32_t **ids, size_t *cap, uint32_t *n, uint32_t *text_bytes) {
    const cJSON *a = j->obj ? cJSON_GetObjectItemCaseSensitive(j->obj, "ids") : NULL;
    const cJSON *tb = j->obj ? cJSON_GetObjectItemCaseSensitive(j->obj, "text_bytes") : NULL;
    const char *name = cn_in_name(j->in);
    unsigned long long line = (unsigned long long)j->line;
    if (!cJSON_IsArray(a)) return cn_fail(CN_EFORMAT, "%s:%llu: field 'ids' missing or not an array", name, line);
    size_t len = (size_t)cJSON_GetArraySize(a), k = 0;
    if (len > UINT32_MAX) return cn_fail(CN_ERANGE, "%s:%llu: more than 2^32 ids", name, line);
    if (len > *cap) {
        uint32_t *x = realloc(*ids, len * 2 * sizeof *x);
        if (!x) return cn_fail(CN_ENOMEM, "out of memory");
        *ids = x, *cap = len * 2;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble >= (double)vocab || e->valuedouble != (double)(uint32_t)e->valuedouble)
            return cn_fail(CN_ERANGE, "%s:%llu: ids[%zu] is not an integer in [0, %llu)", name, line, k, (unsigned long long)vocab);
        (*ids)[k++] = (uint32_t)e->valuedouble;
    }
    *n = (uint32_t)len, *text_bytes = 0;
    if (tb) {
        if (!cJSON_IsNumber(tb) || tb->valuedouble < 0 || tb->valuedouble > 4294967295.0)
            return cn_fail(CN_EFORMAT, "%s:%llu: bad text_bytes", name, line);
        *text_bytes = (uint32_t)tb->valuedouble;
    }
    return CN_OK;
}

/* string value v's text and length, its stand-in characters turned back
 * into NUL bytes (in place, once: the lengths are remembered) */
static cn_status value_text(cn_jsonl *j, const cJSON *v, const char **s, size_t *n) {
    *s = v->valuestring;
    if (!j->nul) {
        *n = strlen(v->valuestring);
        return CN_OK;
    }
    for (int i = 0; i < j->ndone; i++)
        if (j->done[i].v == v) {
            *n = j->done[i].n;
            return CN_OK;
        }
    if (j->ndone == j->capdone) {
        struct restored *d = realloc(j->done, (size_t)(j->capdone = j->capdone ? 2 * j->capdone : 8) * sizeof *d);
        if (!d) return cn_fail(CN_ENOMEM, "out of memory");
        j->done = d;
    }
    const char raw[3] = {(char)0xEF, (char)(0x80 | ((j->nul >> 6) & 0x3F)), (char)(0x80 | (j->nul & 0x3F))};
    char *r = v->valuestring, *w = r, *e = r + strlen(r);
    while (r < e) {
        if (e - r >= 3 && memcmp(r, raw, 3) == 0) {
            *w++ = 0;
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
    *n = (size_t)(w - v->valuestring);
    j->done[j->ndone++] = (struct restored){v, *n};
    return CN_OK;
}

cn_status cn_jsonl_text(cn_jsonl *j, const char *field, const char **s, size_t *n) {
    cJSON *v = j->obj ? cJSON_GetObjectItemCaseSensitive(j->obj, field) : NULL;
    if (!cJSON_IsString(v))
        return cn_fail(CN_EFORMAT, "%s:%llu: %s field '%s'", cn_in_name(j->in), (unsigned long long)j->line,
                       v ? "non-string" : "missing", field);
    return value_text(j, v, s, n);
}

cn_status cn_jsonl_item(cn_jsonl *j, const char *field, int i, const char **s, size_t *n) {
    const cJSON *a = j->obj ? cJSON_GetObjectItemCaseSensitive(j->obj, field) : NULL;
    const cJSON *v = cJSON_IsArray(a) && i >= 0 ? cJSON_GetArrayItem(a, i) : NULL;
    if (!cJSON_IsString(v)) {
        *s = NULL, *n = 0;
        return CN_OK;
    }
    return value_text(j, v, s, n);
}

cn_status cn_jsonl_text_dup(cn_jsonl *j, const char *field, char **out, size_t *n) {
    const char *s;
    cn_status st = cn_jsonl_text(j, field, &s, n);
    if (st) return st;
    if (!(*out = malloc(*n + 1))) return cn_fail(CN_ENOMEM, "out of memory");
    memcpy(*out, s, *n);
    (*out)[*n] = 0;
    return CN_OK;
}

size_t cn_json_quote(char *dst, const char *s, size_t n) {
    static const char hx[] = "0123456789abcdef";
    char *o = dst;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\', *o++ = (char)c;
        } else if (c < 0x20) {
            *o++ = '\\';
            switch (c) {
            case '\n': *o++ = 'n'; break;
            case '\t': *o++ = 't'; break;
            case '\r': *o++ = 'r'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default: *o++ = 'u', *o++ = '0', *o++ = '0', *o++ = hx[c >> 4], *o++ = hx[c & 15];
            }
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    return (size_t)(o - dst);
}

char *cn_json_quote_dup(const char *s) {
    size_t n = strlen(s);
    char *d = malloc(CN_JSON_QUOTED_MAX(n) + 1);
    if (d) d[cn_json_quote(d, s, n)] = 0;
    return d;
}

cn_status cn_json_write_string(cn_out *out, const char *s, size_t n) {
    enum { PIECE = 1024 }; /* bytes of s quoted at a time */
    char buf[CN_JSON_QUOTED_MAX(PIECE)];
    if (n == 0) return cn_out_write(out, "\"\"", 2);
    for (size_t i = 0; i < n; i += PIECE) {
        size_t m = n - i < PIECE ? n - i : PIECE;
        size_t k = cn_json_quote(buf, s + i, m);
        /* the quotes of the pieces between go: only the first's opening and
         * the last's closing stay */
        const char *from = buf + (i > 0);
        size_t len = k - (i > 0) - (i + m < n);
        cn_status st = cn_out_write(out, from, len);
        if (st) return st;
    }
    return CN_OK;
}

cn_status cn_json_write_file(const char *dir, const char *name, cJSON *j) {
    char *text = cJSON_Print(j), *path = cn_path_join(dir, name);
    cJSON_Delete(j);
    cn_status st = text && path ? cn_write_text(path, text) : cn_fail(CN_ENOMEM, "out of memory");
    free(text), free(path);
    return st;
}

cn_status cn_json_num(const cJSON *o, const char *key, const char *where, double *out) {
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
    if (!v) return cn_fail(CN_EFORMAT, "%s: '%s' missing", where, key);
    if (cJSON_IsBool(v)) return *out = cJSON_IsTrue(v), CN_OK;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return cn_fail(CN_EFORMAT, "%s: '%s' is not a finite number", where, key);
    *out = v->valuedouble;
    return CN_OK;
}

cn_status cn_json_int(const cJSON *o, const char *key, const char *where, int64_t lo, int64_t hi, int64_t *out) {
    double d;
    cn_status st = cn_json_num(o, key, where, &d);
    if (st) return st;
    /* the bounds as doubles round outwards at most to 2^63, which is out of
     * any int64 range: the test below then fails before the conversion */
    if (d != floor(d) || d < (double)lo || d > (double)hi || d >= 9223372036854775808.0)
        return cn_fail(CN_EFORMAT, "%s: '%s' is %.17g, not an integer from %lld to %lld", where, key, d, (long long)lo, (long long)hi);
    *out = (int64_t)d;
    return CN_OK;
}

/* ---- a run's settings, one flat object on a line ---- */

struct cn_json_settings {
    cJSON *o;
    int nomem;
};

cn_json_settings *cn_json_settings_new(void) {
    cn_json_settings *s = calloc(1, sizeof *s);
    if (s && !(s->o = cJSON_CreateObject())) free(s), s = NULL;
    return s;
}

static void settings_add(cn_json_settings *s, const char *key, cJSON *v) {
    if (!v || s->nomem) {
        s->nomem = 1;
        cJSON_Delete(v);
        return;
    }
    cJSON_AddItemToObject(s->o, key, v);
}

void cn_json_settings_str(cn_json_settings *s, const char *key, const char *v) { settings_add(s, key, cJSON_CreateString(v)); }
void cn_json_settings_num(cn_json_settings *s, const char *key, double v) { settings_add(s, key, cJSON_CreateNumber(v)); }
void cn_json_settings_bool(cn_json_settings *s, const char *key, int v) { settings_add(s, key, cJSON_CreateBool(v)); }
void cn_json_settings_strs(cn_json_settings *s, const char *key, const char *const *v, int n) {
    settings_add(s, key, cJSON_CreateStringArray(v, n));
}

char *cn_json_settings_print(cn_json_settings *s) {
    char *t = s->nomem ? NULL : cJSON_PrintUnformatted(s->o);
    cJSON_Delete(s->o);
    free(s);
    return t;
}

cn_status cn_json_settings_diff(const char *was, const char *now, const char *const *keys, int nkeys, int *which, char **was_v,
                                char **now_v) {
    cJSON *a = cJSON_Parse(was), *b = cJSON_Parse(now);
    *which = -1, *was_v = *now_v = NULL;
    cn_status st = !cJSON_IsObject(a) ? cn_fail(CN_EFORMAT, "not a JSON object") : !b ? cn_fail(CN_ENOMEM, "out of memory") : CN_OK;
    for (int i = 0; !st && i < nkeys; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, keys[i]), *y = cJSON_GetObjectItemCaseSensitive(b, keys[i]);
        if (x && cJSON_Compare(x, y, 1)) continue;
        *which = i;
        *was_v = x ? cJSON_PrintUnformatted(x) : NULL;
        *now_v = y ? cJSON_PrintUnformatted(y) : NULL;
        break;
    }
    cJSON_Delete(a), cJSON_Delete(b);
    return st;
}

cn_status cn_jsonl_each(const char *path, int flags, cn_jsonl_fn fn, void *arg) {
    cn_in *in = cn_in_open(path);
    if (!in) return cn_last_status();
    cn_jsonl *j = cn_jsonl_new(in, flags);
    cn_status st = j ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    cJSON *o;
    while (!st && !(st = cn_jsonl_next(j, &o))) st = fn(j, o, arg);
    cn_jsonl_free(j);
    cn_in_close(in);
    return st == CN_EOF ? CN_OK : st;
}
