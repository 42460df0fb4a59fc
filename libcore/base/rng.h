/* rng: deterministic pseudo-random numbers (xoshiro256**, seeded by
 * splitmix64), the same sequence on every platform for the same seed. */
#ifndef CN_RNG_H
#define CN_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} cn_rng;

/* Seeds from a list of integers (e.g. seed, source index, epoch), so that
 * independent streams are derived without sharing state. */
void cn_rng_seed(cn_rng *r, const uint64_t *keys, int nkeys);
uint64_t cn_rng_u64(cn_rng *r);
/* Uniform in [0, n), unbiased (Lemire's multiply-and-reject); n > 0. */
uint64_t cn_rng_below(cn_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double cn_rng_double(cn_rng *r);

#endif
