/* utf8: validation and repair, following the Unicode "maximal subpart" rule. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid sequence starting at s[i] (1..4), or 0 if invalid; when
 * invalid, *bad is the length of the maximal subpart to replace (>= 1). */
static size_t seq(const unsigned char *s, size_t n, size_t i, size_t *bad) {
    unsigned c = s[i];
    *bad = 1;
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) { len = 3; lo = 0xA0; }
    else if (c == 0xED) { len = 3; hi = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF) len = 3;
    else if (c == 0xF0) { len = 4; lo = 0x90; }
    else if (c == 0xF4) { len = 4; hi = 0x8F; }
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else return 0;
    for (size_t k = 1; k < len; k++) {
        if (i + k >= n) { *bad = k; return 0; }
        unsigned b = s[i + k];
        if (b < lo || b > hi) { *bad = k; return 0; }
        lo = 0x80; hi = 0xBF;
    }
    return len;
}

size_t cn_utf8_check(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, bad;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        size_t l = seq(s, n, i, &bad);
        if (!l) return i;
        i += l;
    }
    return n;
}

size_t cn_utf8_repair(char *dst, const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, o = 0, bad;
    while (i < n) {
        size_t l = seq(s, n, i, &bad);
        if (l) {
            memcpy(dst + o, s + i, l);
            o += l;
            i += l;
        } else {
            memcpy(dst + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += bad;
        }
    }
    return o;
}
