/* utf8: validation and repair of UTF-8 text (RFC 3629: no surrogates, no
 * overlong forms, nothing above U+10FFFF). */
#ifndef CN_UTF8_H
#define CN_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Returns n when all n bytes are valid UTF-8, else the offset of the first byte
 * of the first invalid sequence. */
size_t cn_utf8_check(const char *s, size_t n);

/* Copies s to dst replacing each maximal invalid subpart with U+FFFD (as the
 * Unicode standard and WHATWG decoders do). dst must hold 3*n bytes. Returns the
 * bytes written. */
size_t cn_utf8_repair(char *dst, const char *s, size_t n);
/* The code point of the valid UTF-8 character at s (n > 0 bytes left) in *c;
 * returns its length (1 and U+FFFD on a bad byte). */
size_t cn_utf8_decode(const char *s, size_t n, int32_t *c);
/* Writes code point c (a scalar value) as UTF-8 into d (4 bytes); returns its length. */
size_t cn_utf8_encode(int32_t c, char *d);

#endif
