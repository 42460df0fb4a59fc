/* shardgen: writes a shard of random documents (for benchmarks and property
 * tests): shardgen -o FILE --tokens N [--vocab V] [--mean-len L] [--seed S]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "num.h"
#include "rng.h"
#include "shard.h"

int main(int argc, char **argv) {
    const char *out_path = NULL;
    uint64_t tokens = 0, vocab = 32000, mean = 1000, seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        uint64_t *dst = strcmp(argv[i], "--tokens") == 0 ? &tokens : strcmp(argv[i], "--vocab") == 0 ? &vocab
                      : strcmp(argv[i], "--mean-len") == 0 ? &mean : strcmp(argv[i], "--seed") == 0 ? &seed : NULL;
        if (strcmp(argv[i], "-o") == 0) out_path = argv[i + 1];
        else if (!dst || cn_parse_u64(argv[i + 1], dst)) {
            fprintf(stderr, "usage: shardgen -o FILE --tokens N [--vocab V] [--mean-len L] [--seed S]\n");
            return 2;
        }
    }
    if (!out_path || !tokens || !vocab || vocab > 0x7FFFFFFF || !mean) {
        fprintf(stderr, "usage: shardgen -o FILE --tokens N [--vocab V] [--mean-len L] [--seed S]\n");
        return 2;
    }
    cn_out *o = cn_out_open(out_path, 0);
    if (!o) goto fail;
    cn_shard_info info;
    cn_shard_info_init(&info, (uint32_t)vocab, NULL, 0);
    cn_shard_writer *w = cn_shard_writer_new(o, &info);
    cn_rng r;
    cn_rng_seed(&r, &seed, 1);
    uint32_t *ids = malloc(2 * mean * sizeof *ids);
    for (uint64_t done = 0; done < tokens;) {
        uint32_t n = 1 + (uint32_t)cn_rng_below(&r, 2 * mean - 1);
        if (n > tokens - done) n = (uint32_t)(tokens - done);
        for (uint32_t i = 0; i < n; i++) {
            uint64_t x = cn_rng_u64(&r);
            ids[i] = (uint32_t)(((x >> 32) * vocab) >> 32);
        }
        if (cn_shard_write(w, ids, n, 4 * n)) goto fail;
        done += n;
    }
    free(ids);
    if (cn_shard_writer_finish(w, NULL) || cn_out_commit(o)) goto fail;
    return 0;
fail:
    fprintf(stderr, "shardgen: %s\n", cn_errmsg());
    return 1;
}
