/* libFuzzer target: a Megatron-LM indexed dataset (PREFIX.idx, PREFIX.bin)
 * and this project's side file PREFIX.cnmeta. The input holds the three:
 * u32 LE length of .idx, u32 LE length of .bin, the .idx, the .bin, and the
 * rest as .cnmeta (none when empty). What opens must give every document
 * and shard header it counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fuzz.h"
#include "shard.h"

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static int put(const char *prefix, const char *ext, const uint8_t *p, size_t n) {
    char path[128];
    snprintf(path, sizeof path, "%s%s", prefix, ext);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(p, 1, n, f);
    return fclose(f) || w != n ? -1 : 0;
}

static char prefix[64];

static void cleanup(void) {
    char p[80];
    const char *ext[] = {".idx", ".bin", ".cnmeta"};
    for (int i = 0; i < 3; i++) snprintf(p, sizeof p, "%s%s", prefix, ext[i]), unlink(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8) return 0;
    size_t ni = rd32(data), nb = rd32(data + 4);
    if (ni > size - 8 || nb > size - 8 - ni) return 0;
    const uint8_t *idx = data + 8, *bin = idx + ni, *meta = bin + nb;
    size_t nm = size - 8 - ni - nb;
    if (!prefix[0]) {
        snprintf(prefix, sizeof prefix, "%s/fuzz_megatron.%d", fuzz_tmp(), (int)getpid());
        atexit(cleanup);
    }
    char mpath[80];
    snprintf(mpath, sizeof mpath, "%s.cnmeta", prefix);
    unlink(mpath);
    if (put(prefix, ".idx", idx, ni) || put(prefix, ".bin", bin, nb) || (nm && put(prefix, ".cnmeta", meta, nm))) return 0;
    for (int k = 0; k < 2; k++) {
        cn_megatron *m = cn_megatron_open(prefix, k ? 2 : CN_MEGATRON_EOS_AUTO);
        if (!m) continue;
        uint64_t docs, sum = 0;
        for (uint64_t k = 0; k < cn_megatron_shards(m); k++)
            if (!cn_megatron_shard_info(m, k, &docs)) abort();
        for (uint64_t i = 0; i < cn_megatron_docs(m); i++) {
            cn_doc d;
            if (cn_megatron_doc(m, i, &d) != CN_OK) continue;
            for (uint32_t t = 0; t < d.n; t++) sum += cn_doc_id(&d, t);
        }
        if (sum == 1) cn_megatron_seqs(m); /* the ids were read */
        cn_megatron_close(m);
    }
    return 0;
}
