/* sb: a growing byte string (sb.h) */
#include "sb.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* room for n more bytes and the NUL */
static int grow(cn_sb *b, size_t n) {
    if (b->nomem) return 0;
    if (b->n + n + 1 <= b->cap) return 1;
    size_t cap = 2 * (b->n + n + 1) + 64;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->nomem = 1;
        return 0;
    }
    b->s = s, b->cap = cap;
    return 1;
}

void cn_sb_put(cn_sb *b, const void *p, size_t n) {
    if (!grow(b, n)) return;
    memcpy(b->s + b->n, p, n);
    b->s[b->n += n] = 0;
}

void cn_sb_printf(cn_sb *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->nomem = 1;
        return;
    }
    if (!grow(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

void cn_sb_free(cn_sb *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}
