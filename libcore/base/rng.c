/* rng: xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
#include "rng.h"

static uint64_t splitmix(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void cn_rng_seed(cn_rng *r, const uint64_t *keys, int nkeys) {
    uint64_t x = 0x6A09E667F3BCC908ull;
    for (int i = 0; i < nkeys; i++) {
        x ^= keys[i];
        x = splitmix(&x);
    }
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t cn_rng_u64(cn_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t cn_rng_below(cn_rng *r, uint64_t n) {
    unsigned __int128 m = (unsigned __int128)cn_rng_u64(r) * n;
    uint64_t lo = (uint64_t)m;
    if (lo < n) {
        uint64_t t = -n % n;
        while (lo < t) {
            m = (unsigned __int128)cn_rng_u64(r) * n;
            lo = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double cn_rng_double(cn_rng *r) { return (double)(cn_rng_u64(r) >> 11) * 0x1.0p-53; }
