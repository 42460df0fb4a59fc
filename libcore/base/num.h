/* num: strict number parsing for command-line options (no atoi). */
#ifndef CN_NUM_H
#define CN_NUM_H

#include <stdint.h>
#include "log.h"

/* Parses a non-negative integer with an optional suffix K, M, B/G, T (powers of
 * 1000, as token counts are quoted: 2M tokens = 2,000,000) or Ki, Mi, Gi
 * (powers of 1024). Rejects signs, spaces, trailing junk and overflow. */
cn_status cn_parse_u64(const char *s, uint64_t *out);

/* Parses a finite double (strtod) with no trailing junk. */
cn_status cn_parse_double(const char *s, double *out);

#endif
