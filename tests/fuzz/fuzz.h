/* What the fuzz targets that go through files share: a scratch directory in
 * memory where there is one (/dev/shm), so that each input costs no disk. */
#ifndef CN_FUZZ_H
#define CN_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader */
#include <zstd.h>

static inline const char *fuzz_tmp(void) { return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"; }

/* Whether a stream target should run DATA: not when its zstd frames ask for a
 * window over 1 MiB or may expand past 1 MiB in all. The stream readers
 * accept windows up to 2 GiB (zstd --long=31) and any length of output, but a
 * few bytes of zstd can ask for either: under ASan each big buffer costs its
 * shadow written at allocation and at free, and megabytes of blank lines cost
 * a million instrumented trips through the reader. A handful of such inputs
 * in a corpus took a target from 10,000 to under 1,000 executions a second,
 * spent on neither the format nor our code. Up to 1 MiB still spans 4 of the
 * reader's 256 KiB chunks. A frame that cannot be sized (cut short or
 * damaged) is bounded by its bytes: 3 of them can start a block of 128 KiB. */
static inline int fuzz_window_ok(const uint8_t *data, size_t size) {
    size_t pos = 0;
    unsigned long long out = 0;
    while (pos < size && out <= (1u << 20)) {
        ZSTD_frameHeader h;
        if (ZSTD_getFrameHeader(&h, data + pos, size - pos) != 0) break; /* not zstd, or a header cut short */
        if (h.frameType == ZSTD_frame && h.windowSize > (1u << 20)) return 0;
        size_t n = ZSTD_findFrameCompressedSize(data + pos, size - pos);
        unsigned long long b = ZSTD_isError(n) ? ZSTD_CONTENTSIZE_ERROR : ZSTD_decompressBound(data + pos, n);
        if (b == ZSTD_CONTENTSIZE_ERROR) {
            out += ((size - pos) / 3 + 1) * 131072ull;
            break;
        }
        out += b;
        pos += n;
    }
    return out <= (1u << 20);
}
#endif
