/* tok_base: the bottom of the tok module, calling no other file of it: id
 * vectors, the helpers of loading, and what the tokenizer and the BPE trainer
 * share (the hash of a byte string, the string -> id map, the byte-level
 * alphabet). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "tok_impl.h"

/* ---- string -> id map (open addressing over the id table) ---- */

uint64_t tok_hash(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

cn_status tok_map_init(tok_map *m, size_t n) {
    size_t cap = 16;
    while (cap < 2 * n + 16) cap *= 2;
    m->slot = calloc(cap, sizeof *m->slot);
    if (!m->slot) return cn_fail(CN_ENOMEM, "out of memory");
    m->mask = cap - 1;
    return CN_OK;
}

void tok_map_free(tok_map *m) { free(m->slot); }

/* slots hold id + 1 (0: empty); strings are the tokenizer's own */
int64_t tok_map_get(const tok_map *m, char *const *str, const uint32_t *len, const char *s, size_t n) {
    for (size_t i = tok_hash(s, n) & m->mask;; i = (i + 1) & m->mask) {
        uint32_t v = m->slot[i];
        if (!v) return -1;
        if (len[v - 1] == n && memcmp(str[v - 1], s, n) == 0) return v - 1;
    }
}

void tok_map_put(tok_map *m, char *const *str, const uint32_t *len, uint32_t id) {
    for (size_t i = tok_hash(str[id], len[id]) & m->mask;; i = (i + 1) & m->mask) {
        uint32_t v = m->slot[i];
        if (!v) {
            m->slot[i] = id + 1;
            return;
        }
        if (len[v - 1] == len[id] && memcmp(str[v - 1], str[id], len[id]) == 0) return; /* first one wins */
    }
}

/* ---- the byte-level alphabet (GPT-2's bytes_to_unicode) ---- */

static char bl_char[256][3];   /* UTF-8 of the character standing for a byte */
static int16_t bl_byte[324];   /* code point -> byte, -1 none */
static pthread_once_t bl_once = PTHREAD_ONCE_INIT;

static void bl_init(void) {
    int n = 0;
    for (int i = 0; i < 324; i++) bl_byte[i] = -1;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        int cp = printable ? b : 256 + n++;
        if (cp < 128) {
            bl_char[b][0] = (char)cp;
        } else {
            bl_char[b][0] = (char)(0xC0 | (cp >> 6));
            bl_char[b][1] = (char)(0x80 | (cp & 0x3F));
        }
        bl_byte[cp] = (int16_t)b;
    }
}

const char *tok_bl_char(uint8_t b, size_t *len) {
    pthread_once(&bl_once, bl_init);
    *len = bl_char[b][1] ? 2 : 1;
    return bl_char[b];
}

int tok_bl_byte(const char *s, size_t n, size_t *len) {
    pthread_once(&bl_once, bl_init);
    const unsigned char *u = (const unsigned char *)s;
    unsigned cp;
    if (u[0] < 0x80) cp = u[0], *len = 1;
    else if ((u[0] & 0xE0) == 0xC0 && n >= 2) cp = (unsigned)(u[0] & 0x1F) << 6 | (u[1] & 0x3F), *len = 2;
    else return -1;
    return cp < 324 ? bl_byte[cp] : -1;
}

/* ---- id vectors, and the helpers the tok files load and encode with ---- */

cn_status cn_ids_push(cn_ids *a, uint32_t id) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 256;
        uint32_t *v = realloc(a->v, cap * sizeof *v);
        if (!v) return cn_fail(CN_ENOMEM, "out of memory");
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = id;
    return CN_OK;
}

void cn_ids_free(cn_ids *a) {
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

cn_status tok_each(cn_tok *t, const void *array, cn_status (*load)(cn_tok *t, const cJSON *o)) {
    const cJSON *e;
    cJSON_ArrayForEach(e, (const cJSON *)array) {
        cn_status st = load(t, e);
        if (st) return st;
    }
    return CN_OK;
}

char *tok_grow(char **buf, size_t *cap, size_t n) {
    if (n > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < n) c *= 2;
        char *b = realloc(*buf, c);
        if (!b) return NULL;
        *buf = b;
        *cap = c;
    }
    return *buf;
}
