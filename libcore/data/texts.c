/* texts: JSONL records as texts with ids (texts.h). */
#include "texts.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io.h"
#include "jsonl.h"

static cn_status grow(cn_texts *t) {
    if (t->n < t->cap) return CN_OK;
    size_t cap = t->cap ? 2 * t->cap : 256;
    char **s = realloc(t->s, cap * sizeof *s);
    if (s) t->s = s;
    size_t *len = s ? realloc(t->len, cap * sizeof *len) : NULL;
    if (len) t->len = len;
    char **id = len ? realloc(t->id, cap * sizeof *id) : NULL;
    if (id) t->id = id;
    char **where = id ? realloc(t->where, cap * sizeof *where) : NULL;
    if (!where) return cn_fail(CN_ENOMEM, "out of memory");
    t->where = where, t->cap = cap;
    return CN_OK;
}

/* takes s (malloc'd, n bytes) */
static cn_status put(cn_texts *t, char *s, size_t n, const char *id, const char *where) {
    cn_status st = grow(t);
    char *i = st ? NULL : strdup(id), *w = st ? NULL : strdup(where);
    if (!st && (!i || !w)) st = cn_fail(CN_ENOMEM, "out of memory");
    if (st) {
        free(s), free(i), free(w);
        return st;
    }
    t->s[t->n] = s, t->len[t->n] = n, t->id[t->n] = i, t->where[t->n] = w, t->n++;
    return CN_OK;
}

cn_status cn_texts_add(cn_texts *t, const char *s, size_t n, const char *id, const char *where) {
    char *c = malloc(n + 1);
    if (!c) return cn_fail(CN_ENOMEM, "out of memory");
    memcpy(c, s, n), c[n] = 0;
    return put(t, c, n, id, where);
}

cn_status cn_texts_read(cn_texts *t, const char *path, const char *field, const char *what) {
    cn_in *in = cn_in_open(path);
    if (!in) return cn_last_status();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cn_status st = j ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    cJSON *o;
    while (!st && (st = cn_jsonl_next(j, &o)) == CN_OK) {
        char *s, *where;
        size_t n;
        if (asprintf(&where, "%s:%llu", cn_in_name(in), (unsigned long long)cn_jsonl_line(j)) < 0) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        if ((st = cn_jsonl_text_dup(j, field, &s, &n))) {
            free(where);
            break;
        }
        size_t k = 0;
        while (k < n && strchr(" \t\r\n\f\v", s[k])) k++;
        const char *key = cJSON_GetObjectItemCaseSensitive(o, "_id") ? "_id" : "id";
        const cJSON *idv = cJSON_GetObjectItemCaseSensitive(o, key);
        if (k == n) st = cn_fail(CN_EFORMAT, "%s: an empty %s", where, what);
        else if (idv && !cJSON_IsString(idv)) st = cn_fail(CN_EFORMAT, "%s: '%s' is not a string (BEIR's ids are strings)", where, key);
        if (!st) st = put(t, s, n, idv ? idv->valuestring : where, where);
        else free(s);
        free(where);
    }
    if (st == CN_EOF) st = CN_OK;
    cn_jsonl_free(j);
    cn_in_close(in);
    return st;
}

void cn_texts_free(cn_texts *t) {
    for (size_t i = 0; i < t->n; i++) free(t->s[i]), free(t->id[i]), free(t->where[i]);
    free(t->s), free(t->len), free(t->id), free(t->where);
    memset(t, 0, sizeof *t);
}
