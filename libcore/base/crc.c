/* crc: CRC-32C (hardware instruction, three lanes in flight, or slicing-by-8
 * tables) and SHA-256 (FIPS 180-4). */
#include "crc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define POLY 0x82F63B78u /* CRC-32C, reflected */

/* ---- software path ---- */

static uint32_t table[8][256];
static uint32_t x2n[64];   /* x^(2^k) mod P, reflected */
static int have_hw, have_clmul, have_vpclmul;
#if defined(__x86_64__)
static void fold_init(void);
static void shift_init(void);
#endif
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint32_t multmodp(uint32_t a, uint32_t b) {
    uint32_t m = 1u << 31, p = 0;
    for (;;) {
        if (a & m) {
            p ^= b;
            if ((a & (m - 1)) == 0) break;
        }
        m >>= 1;
        b = b & 1 ? (b >> 1) ^ POLY : b >> 1;
    }
    return p;
}

static void init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
    uint32_t p = 1u << 30; /* x^1 */
    for (int k = 0; k < 64; k++) {
        x2n[k] = p;
        p = multmodp(p, p);
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    have_clmul = __builtin_cpu_supports("pclmul");
    have_hw = __builtin_cpu_supports("sse4.2");
    have_vpclmul = have_hw && have_clmul && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("vpclmulqdq");
    /* CN_CRC_IMPL=table|sse42 narrows the choice, so that tests reach every path */
    const char *impl = getenv("CN_CRC_IMPL");
    if (impl && strcmp(impl, "table") == 0) have_hw = have_clmul = have_vpclmul = 0;
    if (impl && strcmp(impl, "sse42") == 0) have_vpclmul = 0;
    if (have_vpclmul) fold_init();
    if (have_clmul) shift_init();
#else
    have_hw = 0;
#endif
}

static uint32_t raw_sw(uint32_t c, const uint8_t *p, size_t n) {
    while (n && ((uintptr_t)p & 7)) {
        c = (c >> 8) ^ table[0][(c ^ *p++) & 0xFF];
        n--;
    }
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= c;
        c = table[7][w & 0xFF] ^ table[6][(w >> 8) & 0xFF] ^ table[5][(w >> 16) & 0xFF] ^
            table[4][(w >> 24) & 0xFF] ^ table[3][(w >> 32) & 0xFF] ^ table[2][(w >> 40) & 0xFF] ^
            table[1][(w >> 48) & 0xFF] ^ table[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--) c = (c >> 8) ^ table[0][(c ^ *p++) & 0xFF];
    return c;
}

/* ---- hardware path ---- */
#if defined(__x86_64__)
#include <immintrin.h>

/* a*b mod P with a carry-less multiply: the 63-bit product, shifted into the
 * 64-bit reflected layout, is reduced by the CRC instruction itself (its low
 * half is a polynomial times x^32). */
__attribute__((target("sse4.2,pclmul"))) static uint32_t multmodp_hw(uint32_t a, uint32_t b) {
    __m128i p = _mm_clmulepi64_si128(_mm_cvtsi32_si128((int)a), _mm_cvtsi32_si128((int)b), 0);
    uint64_t v = (uint64_t)_mm_cvtsi128_si64(p) << 1;
    return _mm_crc32_u32(0, (uint32_t)v) ^ (uint32_t)(v >> 32);
}

static uint32_t mult(uint32_t a, uint32_t b) { return have_clmul ? multmodp_hw(a, b) : multmodp(a, b); }

/* x^(8n) mod P: by the bits of n, or for n < 2^24 from three tables of
 * x^(8 * b * 256^i) (filled at init when the CPU multiplies fast) */
static uint32_t shift_tab[3][256];
static int have_tab;

static uint32_t shift_slow(uint64_t n) {
    uint32_t p = 1u << 31;
    unsigned k = 3;
    while (n) {
        if (n & 1) p = mult(x2n[k & 63], p);
        n >>= 1;
        k++;
    }
    return p;
}

static uint32_t shift_op(uint64_t n) {
    /* the last length asked in this thread: a reader and a writer of the
     * same record ask for the same one in turn */
    static _Thread_local uint64_t last_n = UINT64_MAX;
    static _Thread_local uint32_t last_op;
    if (n == last_n) return last_op;
    uint32_t op;
    if (!have_tab || n >> 24) op = shift_slow(n);
    else if (n >> 16) op = mult(mult(shift_tab[0][n & 0xFF], shift_tab[1][(n >> 8) & 0xFF]), shift_tab[2][n >> 16]);
    else op = n >> 8 ? mult(shift_tab[0][n & 0xFF], shift_tab[1][n >> 8]) : shift_tab[0][n];
    last_n = n;
    last_op = op;
    return op;
}

static void shift_init(void) {
    for (int i = 0; i < 3; i++)
        for (uint64_t b = 0; b < 256; b++) shift_tab[i][b] = shift_slow(b << (8 * i));
    have_tab = 1;
}

/* largest integer of `width` bytes, 64 bytes at a time with a masked tail */
__attribute__((target("avx512f,avx512bw"))) static uint32_t max_avx512(const uint8_t *p, size_t n, unsigned width) {
    __m512i mx = _mm512_setzero_si512();
    size_t i = 0;
    for (;; i += 64) {
        __m512i v;
        if (i + 64 <= n) v = _mm512_loadu_si512(p + i);
        else if (i < n) v = _mm512_maskz_loadu_epi8(~0ull >> (64 - (n - i)), p + i);
        else break;
        mx = width == 2 ? _mm512_max_epu16(mx, v) : _mm512_max_epu32(mx, v);
    }
    if (width == 2) mx = _mm512_max_epu32(_mm512_srli_epi32(mx, 16), _mm512_and_si512(mx, _mm512_set1_epi32(0xFFFF)));
    return _mm512_reduce_max_epu32(mx);
}

__attribute__((target("sse4.2"))) static uint32_t raw_hw1(uint32_t c, const uint8_t *p, size_t n) {
    uint64_t c64 = c;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c64 = _mm_crc32_u64(c64, w);
        p += 8;
        n -= 8;
    }
    c = (uint32_t)c64;
    while (n--) c = _mm_crc32_u8(c, *p++);
    return c;
}

/* x^n mod P for any n */
static uint32_t xpow(uint64_t n) {
    uint32_t p = 1u << 31;
    for (unsigned k = 0; n; n >>= 1, k++)
        if (n & 1) p = mult(x2n[k & 63], p);
    return p;
}

static __m128i fold_k[4]; /* per distance 64, 128, 192, 256 bytes: {x^(8D+31), x^(8D-33)} */
static __m128i lane_k[3]; /* per distance 48, 32, 16 bytes */

static __m128i fold_const(uint64_t d) { return _mm_set_epi64x((long long)xpow(8 * d - 33), (long long)xpow(8 * d + 31)); }

static void fold_init(void) {
    for (int i = 0; i < 4; i++) fold_k[i] = fold_const(64 * (uint64_t)(i + 1));
    for (int i = 0; i < 3; i++) lane_k[i] = fold_const(16 * (uint64_t)(3 - i));
}

/* CRC folding, four 512-bit accumulators (Intel's "Fast CRC computation for
 * generic polynomials using PCLMULQDQ", on 128-bit lanes): each 16-byte lane
 * F stands for F(x) * x^(8 * bytes after it); moving it D bytes forward
 * multiplies its halves by x^(8D+31) and x^(8D-33) (the -33 and +31 place the
 * 95-bit carry-less product in the reflected window). n >= 256. */
__attribute__((target("avx512f,avx512bw,vpclmulqdq,sse4.2,pclmul"))) static uint32_t raw_fold(uint32_t c, const uint8_t *p,
                                                                                             size_t n, unsigned width,
                                                                                             uint32_t *max) {
    __m512i a0 = _mm512_loadu_si512(p), a1 = _mm512_loadu_si512(p + 64), a2 = _mm512_loadu_si512(p + 128),
            a3 = _mm512_loadu_si512(p + 192);
    /* lane-wise maximum of the integers of `width` bytes, when asked */
    __m512i mx = _mm512_setzero_si512();
#define MAXOF(v) (mx = width == 2 ? _mm512_max_epu16(mx, v) : width == 4 ? _mm512_max_epu32(mx, v) : mx)
    MAXOF(a0), MAXOF(a1), MAXOF(a2), MAXOF(a3);
    a0 = _mm512_xor_si512(a0, _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)c)));
    p += 256;
    n -= 256;
    __m512i k256 = _mm512_broadcast_i32x4(fold_k[3]);
#define FOLD(acc, k, data) \
    _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(acc, k, 0x00), _mm512_clmulepi64_epi128(acc, k, 0x11), data, 0x96)
    while (n >= 256) {
        __m512i d0 = _mm512_loadu_si512(p), d1 = _mm512_loadu_si512(p + 64), d2 = _mm512_loadu_si512(p + 128),
                d3 = _mm512_loadu_si512(p + 192);
        if (width) MAXOF(d0), MAXOF(d1), MAXOF(d2), MAXOF(d3);
        a0 = FOLD(a0, k256, d0);
        a1 = FOLD(a1, k256, d1);
        a2 = FOLD(a2, k256, d2);
        a3 = FOLD(a3, k256, d3);
        p += 256;
        n -= 256;
    }
#undef MAXOF
    if (width) *max = width == 2 ? _mm512_reduce_max_epu32(_mm512_max_epu32(_mm512_srli_epi32(mx, 16), _mm512_and_si512(mx, _mm512_set1_epi32(0xFFFF))))
                                 : _mm512_reduce_max_epu32(mx);
    /* four accumulators into one (distances 192, 128, 64) */
    a3 = _mm512_xor_si512(a3, FOLD(a0, _mm512_broadcast_i32x4(fold_k[2]), FOLD(a1, _mm512_broadcast_i32x4(fold_k[1]), FOLD(a2, _mm512_broadcast_i32x4(fold_k[0]), _mm512_setzero_si512()))));
#undef FOLD
    /* four lanes into the last (distances 48, 32, 16) */
    __m128i l[4] = {_mm512_extracti32x4_epi32(a3, 0), _mm512_extracti32x4_epi32(a3, 1), _mm512_extracti32x4_epi32(a3, 2),
                    _mm512_extracti32x4_epi32(a3, 3)};
    __m128i acc = l[3];
    for (int i = 0; i < 3; i++) {
        __m128i k = lane_k[i];
        acc = _mm_xor_si128(acc, _mm_xor_si128(_mm_clmulepi64_si128(l[i], k, 0x00), _mm_clmulepi64_si128(l[i], k, 0x11)));
    }
    /* the remaining 16 bytes as a message from a zero register, then the tail */
    uint64_t r = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(acc));
    r = _mm_crc32_u64(r, (uint64_t)_mm_extract_epi64(acc, 1));
    return raw_hw1((uint32_t)r, p, n);
}

/* three independent lanes keep the CRC unit busy (its latency is 3 cycles,
 * its throughput 1 a cycle); the lanes are joined by multiplying with x^(8*lane) */
__attribute__((target("sse4.2"))) static uint32_t raw_hw(uint32_t c, const uint8_t *p, size_t n) {
    while (n >= 192) {
        size_t lane = n / 3 & ~(size_t)7;
        if (lane > 8192) lane = 8192;
        uint64_t a = c, b = 0, d = 0;
        for (size_t i = 0; i < lane; i += 8) {
            uint64_t w0, w1, w2;
            memcpy(&w0, p + i, 8);
            memcpy(&w1, p + lane + i, 8);
            memcpy(&w2, p + 2 * lane + i, 8);
            a = _mm_crc32_u64(a, w0);
            b = _mm_crc32_u64(b, w1);
            d = _mm_crc32_u64(d, w2);
        }
        uint32_t s1 = shift_op(lane), s2 = mult(s1, s1);
        c = mult(s2, (uint32_t)a) ^ mult(s1, (uint32_t)b) ^ (uint32_t)d;
        p += 3 * lane;
        n -= 3 * lane;
    }
    return raw_hw1(c, p, n);
}
#else
static uint32_t mult(uint32_t a, uint32_t b) { return multmodp(a, b); }
#endif

uint32_t cn_crc32c(uint32_t crc, const void *buf, size_t n) {
    pthread_once(&once, init);
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (have_vpclmul && n >= 256) return ~raw_fold(c, buf, n, 0, NULL);
    if (have_hw) return ~raw_hw(c, buf, n);
#endif
    return ~raw_sw(c, buf, n);
}

static uint32_t max_plain(const uint8_t *p, size_t n, unsigned width) {
    uint32_t m = 0;
    if (width == 2) {
        for (size_t i = 0; i + 2 <= n; i += 2) {
            uint32_t v = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
            m = v > m ? v : m;
        }
    } else {
        for (size_t i = 0; i + 4 <= n; i += 4) {
            uint32_t v = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24;
            m = v > m ? v : m;
        }
    }
    return m;
}

uint32_t cn_crc32c_max(uint32_t crc, const void *buf, size_t n, unsigned width, uint32_t *max) {
    pthread_once(&once, init);
#if defined(__x86_64__)
    if (have_vpclmul && n >= 256 && (width == 2 || width == 4)) {
        size_t tail = (n - 256) % 256;
        uint32_t m;
        uint32_t c = ~raw_fold(~crc, buf, n, width, &m);
        uint32_t t = max_avx512((const uint8_t *)buf + n - tail, tail, width);
        *max = t > m ? t : m;
        return c;
    }
    if (have_vpclmul) {
        *max = max_avx512(buf, n, width);
        return cn_crc32c(crc, buf, n);
    }
#endif
    *max = max_plain(buf, n, width);
    return cn_crc32c(crc, buf, n);
}

uint32_t cn_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
    pthread_once(&once, init);
#if defined(__x86_64__)
    return mult(shift_op(len_b), crc_a) ^ crc_b;
#else
    uint32_t p = 1u << 31;
    for (unsigned k = 3; len_b; len_b >>= 1, k++)
        if (len_b & 1) p = multmodp(x2n[k & 63], p);
    return multmodp(p, crc_a) ^ crc_b;
#endif
}

/* ---- SHA-256 ---- */

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

void cn_sha256_init(cn_sha256 *s) {
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->n = 0;
}

void cn_sha256_update(cn_sha256 *s, const void *data, size_t n) {
    const uint8_t *p = data;
    size_t have = s->n % 64;
    s->n += n;
    if (have) {
        size_t take = 64 - have < n ? 64 - have : n;
        memcpy(s->buf + have, p, take);
        p += take;
        n -= take;
        if (have + take < 64) return;
        block(s->h, s->buf);
    }
    for (; n >= 64; p += 64, n -= 64) block(s->h, p);
    memcpy(s->buf, p, n);
}

void cn_sha256_final(cn_sha256 *s, uint8_t out[32]) {
    uint64_t bits = s->n * 8;
    uint8_t pad[72] = {0x80};
    size_t have = s->n % 64;
    size_t padn = (have < 56 ? 56 - have : 120 - have);
    for (int i = 0; i < 8; i++) pad[padn + i] = (uint8_t)(bits >> (56 - 8 * i));
    cn_sha256_update(s, pad, padn + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

void cn_hex32(const uint8_t in[32], char out[65]) {
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[64] = 0;
}
