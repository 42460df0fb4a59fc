/* utf8: validation and repair of UTF-8 text (RFC 3629: no surrogates, no
 * overlong forms, nothing above U+10FFFF). */
#ifndef CN_UTF8_H
#define CN_UTF8_H

#include <stddef.h>

/* Returns n when all n bytes are valid UTF-8, else the offset of the first byte
 * of the first invalid sequence. */
size_t cn_utf8_check(const char *s, size_t n);

/* Copies s to dst replacing each maximal invalid subpart with U+FFFD (as the
 * Unicode standard and WHATWG decoders do). dst must hold 3*n bytes. Returns the
 * bytes written. */
size_t cn_utf8_repair(char *dst, const char *s, size_t n);

#endif
