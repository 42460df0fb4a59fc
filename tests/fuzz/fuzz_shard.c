/* libFuzzer target: the streaming shard reader (plain or zstd input), and the
 * random-access index of the same bytes as an uncompressed file (memfd). A
 * document handed on must have passed its checks. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "crc.h"
#include "shard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fuzz_window_ok(data, size)) return 0;
    cn_in *in = cn_in_mem(data, size, "fuzz");
    if (!in) return 0;
    cn_shard_reader *r = cn_shard_reader_new(in);
    cn_doc d;
    while (cn_shard_next(r, &d) == CN_OK) {
        const cn_shard_info *info = cn_shard_reader_info(r);
        if (d.n == 0 || cn_crc32c(0, d.ids, (size_t)d.n * d.width) != d.crc) abort();
        for (uint32_t i = 0; i < d.n; i++)
            if (cn_doc_id(&d, i) >= info->vocab_size) abort();
    }
    cn_shard_reader_free(r);
    cn_in_close(in);

    int fd = memfd_create("fuzz", 0);
    if (fd < 0) return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        cn_shard_file *f = cn_shard_file_open(path);
        if (f) {
            for (uint64_t i = 0; i < cn_shard_file_docs(f); i++)
                if (cn_shard_file_doc(f, i, &d) == CN_OK && cn_crc32c(0, d.ids, (size_t)d.n * d.width) != d.crc) abort();
            cn_shard_file_close(f);
        }
    }
    close(fd);
    return 0;
}
