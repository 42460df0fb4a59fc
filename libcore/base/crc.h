/* crc: CRC-32C (Castagnoli, as iSCSI/ext4/the shard format use) and SHA-256. */
#ifndef CN_CRC_H
#define CN_CRC_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of n bytes continuing from crc (start with 0): crc32c(0, "123456789", 9)
 * == 0xE3069283. Uses the SSE4.2 instruction when the CPU has it. */
uint32_t cn_crc32c(uint32_t crc, const void *buf, size_t n);

/* cn_crc32c, and in the same pass *max = the largest little-endian unsigned
 * integer of `width` (2 or 4) bytes in buf (n a multiple of width). */
uint32_t cn_crc32c_max(uint32_t crc, const void *buf, size_t n, unsigned width, uint32_t *max);

/* CRC-32C of A||B from crc(A), crc(B) and the length of B, without B's bytes. */
uint32_t cn_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

typedef struct {
    uint32_t h[8];
    uint64_t n;        /* bytes so far */
    uint8_t buf[64];
} cn_sha256;

void cn_sha256_init(cn_sha256 *s);
void cn_sha256_update(cn_sha256 *s, const void *data, size_t n);
void cn_sha256_final(cn_sha256 *s, uint8_t out[32]);
/* Lower-case hex of 32 bytes into out (65 bytes with the NUL). */
void cn_hex32(const uint8_t in[32], char out[65]);

#endif
