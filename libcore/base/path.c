/* path: file names joined, in memory of their own size. */
#include <stdlib.h>
#include <string.h>
#include "io.h"

char *cn_path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    int slash = a > 0 && dir[a - 1] != '/';
    char *p = malloc(a + slash + b + 1);
    if (!p) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    memcpy(p, dir, a);
    if (slash) p[a] = '/';
    memcpy(p + a + slash, name, b + 1);
    return p;
}
