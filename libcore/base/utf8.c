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

size_t cn_utf8_decode(const char *s, size_t n, int32_t *c) {
    const uint8_t *u = (const uint8_t *)s;
    size_t l = u[0] < 0x80 ? 1 : u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 0;
    if (l == 0 || l > n || cn_utf8_check(s, l) != l) {
        *c = 0xFFFD;
        return 1;
    }
    int32_t v = l == 1 ? u[0] : l == 2 ? u[0] & 0x1F : l == 3 ? u[0] & 0x0F : u[0] & 0x07;
    for (size_t i = 1; i < l; i++) v = v << 6 | (u[i] & 0x3F);
    *c = v;
    return l;
}

size_t cn_utf8_encode(int32_t c, char *d) {
    if (c < 0x80) return d[0] = (char)c, 1;
    if (c < 0x800) return d[0] = (char)(0xC0 | c >> 6), d[1] = (char)(0x80 | (c & 0x3F)), 2;
    if (c < 0x10000)
        return d[0] = (char)(0xE0 | c >> 12), d[1] = (char)(0x80 | (c >> 6 & 0x3F)), d[2] = (char)(0x80 | (c & 0x3F)), 3;
    d[0] = (char)(0xF0 | c >> 18), d[1] = (char)(0x80 | (c >> 12 & 0x3F)), d[2] = (char)(0x80 | (c >> 6 & 0x3F));
    d[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}
