/* num: strict parsing of option values. */
#include "num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

cn_status cn_parse_u64(const char *s, uint64_t *out) {
    if (!s || *s < '0' || *s > '9') return cn_fail(CN_EINVAL, "'%s': not a non-negative integer", s ? s : "");
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return cn_fail(CN_ERANGE, "'%s': number too large", s);
        v = v * 10 + d;
    }
    uint64_t mul = 1;
    if (*p) {
        static const struct { const char *sfx; uint64_t mul; } units[] = {
            {"K", 1000ULL}, {"M", 1000000ULL}, {"B", 1000000000ULL}, {"G", 1000000000ULL},
            {"T", 1000000000000ULL}, {"Ki", 1ULL << 10}, {"Mi", 1ULL << 20}, {"Gi", 1ULL << 30},
            {"Ti", 1ULL << 40}, {"k", 1000ULL},
        };
        size_t i;
        for (i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcmp(p, units[i].sfx) == 0) break;
        if (i == sizeof units / sizeof units[0]) return cn_fail(CN_EINVAL, "'%s': unknown suffix '%s'", s, p);
        mul = units[i].mul;
    }
    if (v > UINT64_MAX / mul) return cn_fail(CN_ERANGE, "'%s': number too large", s);
    *out = v * mul;
    return CN_OK;
}

cn_status cn_parse_double(const char *s, double *out) {
    if (!s || !*s) return cn_fail(CN_EINVAL, "empty number");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v)) return cn_fail(CN_EINVAL, "'%s': not a number", s);
    *out = v;
    return CN_OK;
}
