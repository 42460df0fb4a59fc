/* sb: a growing byte string, NUL-terminated after its n bytes, for text and
 * binary files built in memory (a prompt, an SVG page, a GGUF header). Out
 * of memory sets nomem and drops what follows; the caller checks it once. */
#ifndef CN_SB_H
#define CN_SB_H
#include <stddef.h>

typedef struct {
    char *s;
    size_t n, cap;
    int nomem;
} cn_sb;

/* n bytes of p (any bytes, NUL included) */
void cn_sb_put(cn_sb *b, const void *p, size_t n);
void cn_sb_printf(cn_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cn_sb_free(cn_sb *b);
#endif
