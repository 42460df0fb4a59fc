/* CRC-32C and SHA-256 against published vectors and a bitwise reference. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "crc.h"
#include "rng.h"

/* bit-at-a-time CRC-32C, the definition itself */
static uint32_t ref_crc(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
}

static void sha_hex(const void *p, size_t n, char out[65]) {
    cn_sha256 s;
    uint8_t d[32];
    cn_sha256_init(&s);
    cn_sha256_update(&s, p, n);
    cn_sha256_final(&s, d);
    cn_hex32(d, out);
}

int main(void) {
    /* RFC 3720 / iSCSI check values */
    CHECK(cn_crc32c(0, "123456789", 9) == 0xE3069283u);
    uint8_t z[32] = {0}, ff[32];
    memset(ff, 0xFF, sizeof ff);
    CHECK(cn_crc32c(0, z, 32) == 0x8A9136AAu);
    CHECK(cn_crc32c(0, ff, 32) == 0x62A8AB43u);
    CHECK(cn_crc32c(0, "", 0) == 0);

    /* every length around the three-lane path, split anywhere, combined */
    size_t max = 3 * 4096 * 3 + 77;
    uint8_t *buf = malloc(max);
    cn_rng r;
    uint64_t key = 7;
    cn_rng_seed(&r, &key, 1);
    for (size_t i = 0; i < max; i++) buf[i] = (uint8_t)cn_rng_u64(&r);
    size_t lens[] = {0, 1, 7, 8, 9, 63, 4096, 12287, 12288, 12289, 24576 + 5, 36864, max};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t n = lens[k];
        uint32_t want = ref_crc(buf + 1, n > 0 ? n - 1 : 0); /* unaligned start */
        CHECK_MSG(cn_crc32c(0, buf + 1, n > 0 ? n - 1 : 0) == want, "length %zu", n);
        for (int t = 0; t < 4 && n > 1; t++) {
            size_t cut = (size_t)cn_rng_below(&r, n - 1);
            uint32_t a = cn_crc32c(0, buf + 1, cut), b = cn_crc32c(0, buf + 1 + cut, n - 1 - cut);
            CHECK_MSG(cn_crc32c(a, buf + 1 + cut, n - 1 - cut) == want, "continue at %zu of %zu", cut, n);
            CHECK_MSG(cn_crc32c_combine(a, b, n - 1 - cut) == want, "combine at %zu of %zu", cut, n);
        }
    }
    /* CRC and largest id in one pass, every length class, a large id anywhere */
    for (unsigned width = 2; width <= 4; width += 2) {
        for (size_t n = 0; n < 3000; n += (n < 600 ? 1 : 37)) {
            size_t bytes = n * width;
            for (size_t i = 0; i < bytes; i++) buf[i] = (uint8_t)cn_rng_below(&r, 7); /* small ids */
            size_t at = n ? (size_t)cn_rng_below(&r, n) : 0;
            uint32_t big = width == 2 ? 0xFFFE : 0x7FFFFFF0u;
            if (n) for (unsigned b = 0; b < width; b++) buf[at * width + b] = (uint8_t)(big >> (8 * b));
            uint32_t want_max = 0;
            for (size_t i = 0; i < n; i++) {
                uint32_t v = 0;
                for (unsigned b = 0; b < width; b++) v |= (uint32_t)buf[i * width + b] << (8 * b);
                if (v > want_max) want_max = v;
            }
            uint32_t m = 12345;
            uint32_t c = cn_crc32c_max(0, buf, bytes, width, &m);
            CHECK_MSG(c == ref_crc(buf, bytes) && m == want_max, "width %u, %zu ids: max %u want %u", width, n, m, want_max);
        }
    }
    free(buf);

    /* FIPS 180-4 examples */
    char hex[65];
    sha_hex("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    sha_hex("", 0, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_hex(two, strlen(two), hex);
    CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
    /* one million 'a', fed in uneven pieces */
    cn_sha256 s;
    uint8_t d[32];
    char a[1000];
    memset(a, 'a', sizeof a);
    cn_sha256_init(&s);
    for (size_t done = 0, step = 1; done < 1000000; done += step, step = step % 997 + 1) {
        if (done + step > 1000000) step = 1000000 - done;
        cn_sha256_update(&s, a, step);
    }
    cn_sha256_final(&s, d);
    cn_hex32(d, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
    return check_done();
}
