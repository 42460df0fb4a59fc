/* bm25: Okapi BM25 over passages in memory (bm25.h). Postings are one
 * array per word of (passage, count), made once; a query adds into a dense
 * array of scores, one per passage. */
#include "bm25.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tok_base.h"
#include "topk.h"

struct cn_bm25 {
    size_t n;          /* passages */
    size_t nword;      /* passages with a word: Lucene's docCount, the N of idf and of the mean length */
    uint32_t *dl;      /* [n] each one's words */
    double avgdl, k1, b;
    char **str;        /* [nw] the words (lowercased), owned */
    uint32_t *len;     /* [nw] */
    size_t nw, capw;
    tok_map map;       /* word -> its index */
    size_t *start;     /* [nw + 1] where each word's postings begin */
    uint32_t *pdoc, *ptf; /* the postings: passage, count */
    double *acc;       /* [n] a query's scores */
    uint8_t *hit;      /* [n] touched by the query */
};

/* the code point of the UTF-8 sequence at s[i] (its bytes into *w); a byte
 * that starts no valid sequence is taken alone as a word byte */
static uint32_t code_point(const unsigned char *s, size_t n, size_t i, size_t *w) {
    unsigned char c = s[i];
    size_t k = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
    const uint32_t bad = 0x110000; /* no code point: a word byte */
    if (k == 1) return *w = 1, c;
    if (k == 0 || i + k > n) return *w = 1, bad;
    uint32_t u = c & (0x7F >> k);
    for (size_t j = 1; j < k; j++) {
        if ((s[i + j] & 0xC0) != 0x80) return *w = 1, bad;
        u = u << 6 | (s[i + j] & 0x3F);
    }
    return *w = k, u;
}

/* 1 for the characters of words: ASCII letters, digits and '_', and any
 * other character but the white space, punctuation and symbols of Latin-1,
 * General Punctuation (dashes, quotes, spaces), CJK punctuation, the
 * full-width ASCII punctuation and the byte-order mark */
static int word_char(uint32_t u) {
    if (u < 0x80) return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_';
    if (u >= 0x80 && u <= 0xBF) return u == 0xAA || u == 0xB2 || u == 0xB3 || u == 0xB5 || u == 0xB9 || u == 0xBA || u == 0xBC ||
                                       u == 0xBD || u == 0xBE;
    if (u == 0xD7 || u == 0xF7) return 0;
    if (u >= 0x2000 && u <= 0x206F) return 0;
    if (u >= 0x3000 && u <= 0x303F) return 0;
    if ((u >= 0xFF01 && u <= 0xFF0F) || (u >= 0xFF1A && u <= 0xFF20) || (u >= 0xFF3B && u <= 0xFF40) || (u >= 0xFF5B && u <= 0xFF65)) return 0;
    return u != 0xFEFF;
}

/* the next word of s from *at: its bytes, ASCII lowercased, into buf
 * (grown), its length; 0 at the end */
static size_t next_word(const char *s, size_t n, size_t *at, char **buf, size_t *cap) {
    const unsigned char *us = (const unsigned char *)s;
    size_t i = *at, w = 1;
    while (i < n && !word_char(code_point(us, n, i, &w))) i += w;
    size_t j = i;
    while (j < n && word_char(code_point(us, n, j, &w))) j += w;
    *at = j;
    if (j == i) return 0;
    if (j - i > *cap) {
        char *x = realloc(*buf, *cap = 2 * (j - i));
        if (!x) return (size_t)-1;
        *buf = x;
    }
    for (size_t k = i; k < j; k++) {
        char c = s[k];
        (*buf)[k - i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    return j - i;
}

/* the word's index, added when new (-1: out of memory) */
static int64_t word_id(cn_bm25 *ix, const char *w, size_t n) {
    int64_t id = tok_map_get(&ix->map, ix->str, ix->len, w, n);
    if (id >= 0) return id;
    if (ix->nw == ix->capw) {
        size_t cap = ix->capw ? 2 * ix->capw : 1024;
        char **s = realloc(ix->str, cap * sizeof *s);
        if (s) ix->str = s;
        uint32_t *l = s ? realloc(ix->len, cap * sizeof *l) : NULL;
        if (!l) return -1;
        ix->len = l, ix->capw = cap;
    }
    if (2 * (ix->nw + 1) > ix->map.mask) { /* at half full: a map twice the size */
        tok_map_free(&ix->map);
        if (tok_map_init(&ix->map, 2 * ix->nw + 16)) return -1;
        for (size_t i = 0; i < ix->nw; i++) tok_map_put(&ix->map, ix->str, ix->len, (uint32_t)i);
    }
    if (!(ix->str[ix->nw] = malloc(n))) return -1;
    memcpy(ix->str[ix->nw], w, n);
    ix->len[ix->nw] = (uint32_t)n;
    tok_map_put(&ix->map, ix->str, ix->len, (uint32_t)ix->nw);
    return (int64_t)ix->nw++;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

cn_bm25 *cn_bm25_new(const char *const *text, const size_t *len, size_t n, double k1, double b) {
    cn_bm25 *ix = calloc(1, sizeof *ix);
    uint32_t *words = NULL, *pw = NULL, *pd = NULL, *pt = NULL; /* a passage's word ids; the (word, passage, count) triples */
    size_t capwords = 0, np = 0, capp = 0, cap = 0;
    char *buf = NULL;
    int ok = ix && tok_map_init(&ix->map, 1024) == CN_OK && (ix->dl = calloc(n + 1, sizeof *ix->dl));
    if (ok) ix->n = n, ix->k1 = k1, ix->b = b;
    double total = 0;
    for (size_t d = 0; ok && d < n; d++) {
        size_t at = 0, wl, nwd = 0;
        while (ok && (wl = next_word(text[d], len[d], &at, &buf, &cap)) != 0) {
            int64_t id = wl == (size_t)-1 ? -1 : word_id(ix, buf, wl);
            if (id < 0 || (nwd == capwords && !(words = realloc(words, (capwords = capwords ? 2 * capwords : 256) * sizeof *words))))
                ok = 0;
            else words[nwd++] = (uint32_t)id;
        }
        if (!ok) break;
        ix->dl[d] = (uint32_t)nwd, total += (double)nwd, ix->nword += nwd > 0;
        if (nwd > 1) qsort(words, nwd, sizeof *words, cmp_u32);
        for (size_t i = 0; i < nwd;) { /* each distinct word once, with its count */
            size_t j = i;
            while (j < nwd && words[j] == words[i]) j++;
            if (np == capp) {
                capp = capp ? 2 * capp : 4096;
                uint32_t *a = realloc(pw, capp * sizeof *a);
                if (a) pw = a;
                uint32_t *c = a ? realloc(pd, capp * sizeof *c) : NULL;
                if (c) pd = c;
                uint32_t *e = c ? realloc(pt, capp * sizeof *e) : NULL;
                if (!e) {
                    ok = 0;
                    break;
                }
                pt = e;
            }
            pw[np] = words[i], pd[np] = (uint32_t)d, pt[np] = (uint32_t)(j - i), np++;
            i = j;
        }
    }
    /* the postings grouped by word, passages in order (a counting sort) */
    if (ok) ok = (ix->start = calloc(ix->nw + 1, sizeof *ix->start)) && (ix->pdoc = malloc((np + 1) * sizeof *ix->pdoc)) &&
                 (ix->ptf = malloc((np + 1) * sizeof *ix->ptf)) && (ix->acc = calloc(n + 1, sizeof *ix->acc)) &&
                 (ix->hit = calloc(n + 1, 1));
    if (ok) {
        for (size_t i = 0; i < np; i++) ix->start[pw[i] + 1]++;
        for (size_t w = 0; w < ix->nw; w++) ix->start[w + 1] += ix->start[w];
        size_t *fill = malloc((ix->nw + 1) * sizeof *fill);
        if ((ok = fill != NULL)) {
            memcpy(fill, ix->start, ix->nw * sizeof *fill);
            for (size_t i = 0; i < np; i++) ix->pdoc[fill[pw[i]]] = pd[i], ix->ptf[fill[pw[i]]++] = pt[i];
        }
        free(fill);
        ix->avgdl = ix->nword ? total / (double)ix->nword : 0;
    }
    free(words), free(pw), free(pd), free(pt), free(buf);
    if (!ok) {
        cn_bm25_free(ix);
        cn_fail(CN_ENOMEM, "out of memory for the BM25 index of %zu passages", n);
        return NULL;
    }
    return ix;
}

void cn_bm25_free(cn_bm25 *ix) {
    if (!ix) return;
    for (size_t i = 0; i < ix->nw; i++) free(ix->str[i]);
    free(ix->str), free(ix->len), free(ix->dl), free(ix->start), free(ix->pdoc), free(ix->ptf), free(ix->acc), free(ix->hit);
    tok_map_free(&ix->map);
    free(ix);
}

size_t cn_bm25_words(const cn_bm25 *ix) { return ix->nw; }

cn_status cn_bm25_search(cn_bm25 *ix, const char *q, size_t n, int k, int64_t *ids, float *scores) {
    char *buf = NULL;
    size_t cap = 0, at = 0, wl;
    uint32_t *touched = NULL;
    size_t nt = 0, capt = 0;
    cn_status st = CN_OK;
    while ((wl = next_word(q, n, &at, &buf, &cap)) != 0) {
        if (wl == (size_t)-1) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        int64_t w = tok_map_get(&ix->map, ix->str, ix->len, buf, wl);
        if (w < 0) continue; /* in no passage */
        double df = (double)(ix->start[w + 1] - ix->start[w]), N = (double)ix->nword;
        double idf = log(1 + (N - df + 0.5) / (df + 0.5));
        for (size_t p = ix->start[w]; p < ix->start[w + 1]; p++) {
            uint32_t d = ix->pdoc[p];
            double tf = ix->ptf[p];
            ix->acc[d] += idf * tf / (tf + ix->k1 * (1 - ix->b + ix->b * ix->dl[d] / ix->avgdl));
            if (!ix->hit[d]) {
                if (nt == capt) {
                    uint32_t *x = realloc(touched, (capt = capt ? 2 * capt : 1024) * sizeof *x);
                    if (!x) {
                        ix->acc[d] = 0; /* untracked: cleared here */
                        st = cn_fail(CN_ENOMEM, "out of memory");
                        break;
                    }
                    touched = x;
                }
                ix->hit[d] = 1, touched[nt++] = d;
            }
        }
        if (st) break;
    }
    cn_topk h = {scores, ids, k, 0};
    for (size_t i = 0; i < nt; i++) {
        uint32_t d = touched[i];
        if (!st) cn_topk_push(&h, (float)ix->acc[d], d);
        ix->acc[d] = 0, ix->hit[d] = 0;
    }
    cn_topk_sort(&h);
    free(buf), free(touched);
    return st;
}
