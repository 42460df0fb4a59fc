/* passage: documents cut into passages (passage.h). */
#include "passage.h"

#include <stdlib.h>

static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
/* a continuation byte of UTF-8 (10xxxxxx) */
static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* the byte after `chars` characters from at (or n) */
static size_t ahead(const char *s, size_t n, size_t at, int chars) {
    while (at < n && chars > 0) {
        at++;
        while (at < n && is_cont((unsigned char)s[at])) at++;
        chars--;
    }
    return at;
}

/* the byte `chars` characters before at (not before lo) */
static size_t back(const char *s, size_t lo, size_t at, int chars) {
    while (at > lo && chars > 0) {
        at--;
        while (at > lo && is_cont((unsigned char)s[at])) at--;
        chars--;
    }
    return at;
}

/* where a passage from start, with its character limit at lim (< n), ends:
 * the last line end, else sentence end, else space in (mid, lim]; else lim */
static size_t cut_at(const char *s, size_t mid, size_t lim) {
    for (size_t i = lim; i > mid; i--)
        if (s[i - 1] == '\n') return i;
    for (size_t i = lim; i > mid + 1; i--)
        if (is_space((unsigned char)s[i - 1]) && (s[i - 2] == '.' || s[i - 2] == '!' || s[i - 2] == '?')) return i;
    for (size_t i = lim; i > mid; i--)
        if (is_space((unsigned char)s[i - 1])) return i;
    return lim;
}

cn_status cn_passage_cut(const char *text, size_t n, int max_chars, int overlap, cn_span **spans, size_t *count) {
    *spans = NULL, *count = 0;
    if (max_chars < 1 || overlap < 0 || overlap >= max_chars)
        return cn_fail(CN_EINVAL, "passages of %d characters overlapping by %d", max_chars, overlap);
    size_t cap = 0, start = 0;
    while (start < n && is_space((unsigned char)text[start])) start++;
    while (start < n) {
        size_t lim = ahead(text, n, start, max_chars), end = lim;
        if (lim < n) end = cut_at(text, ahead(text, n, start, max_chars / 2), lim);
        size_t e = end;
        while (e > start && is_space((unsigned char)text[e - 1])) e--;
        if (*count == cap) {
            cn_span *x = realloc(*spans, (cap = cap ? 2 * cap : 16) * sizeof *x);
            if (!x) {
                free(*spans), *spans = NULL, *count = 0;
                return cn_fail(CN_ENOMEM, "out of memory");
            }
            *spans = x;
        }
        (*spans)[(*count)++] = (cn_span){start, e};
        if (end >= n) break;
        size_t next = end;
        if (overlap) { /* back by overlap, then on to a word's start, always past this start */
            size_t b = back(text, start, end, overlap);
            while (b < end && b > start && !is_space((unsigned char)text[b - 1])) b++;
            if (b > start && b < end) next = b;
        }
        start = next;
        while (start < n && is_space((unsigned char)text[start])) start++;
    }
    return CN_OK;
}

cn_status cn_passage_cut_all(const char *const *texts, const size_t *lens, size_t n, int max_chars, int overlap, cn_text_span **spans,
                             size_t *count) {
    cn_text_span *v = NULL;
    size_t nv = 0, cap = 0;
    cn_status st = CN_OK;
    for (size_t t = 0; t < n && !st; t++) {
        cn_span *sp;
        size_t ns;
        if ((st = cn_passage_cut(texts[t], lens[t], max_chars, overlap, &sp, &ns)) != CN_OK) {
            st = cn_fail(st, "text %zu: %s", t, cn_errmsg());
            break;
        }
        if (nv + ns > cap) {
            size_t c = 2 * (nv + ns) + 64;
            cn_text_span *x = realloc(v, c * sizeof *x);
            if (!x) st = cn_fail(CN_ENOMEM, "out of memory");
            else v = x, cap = c;
        }
        for (size_t k = 0; !st && k < ns; k++) v[nv++] = (cn_text_span){t, sp[k].start, sp[k].end};
        free(sp);
    }
    if (st) {
        free(v);
        v = NULL, nv = 0;
    }
    *spans = v, *count = nv;
    return st;
}
