/* libFuzzer target: retriever examples (cn_pairs_read, one hard negative):
 * what reads has a query and candidates for every example, and drawing
 * micro-batches of 2 from it never gives an index out of range. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fuzz.h"
#include "pairs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fuzz_window_ok(data, size)) return 0;
    char path[64];
    snprintf(path, sizeof path, "%s/fuzz_pairs.%d.jsonl", fuzz_tmp(), (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    const char *paths[1] = {path};
    cn_pairs *p = cn_pairs_read(paths, 1, 1);
    if (p) {
        size_t n = cn_pairs_count(p), idx[2];
        for (size_t i = 0; i < n; i++) {
            const cn_pair *e = cn_pairs_at(p, i);
            if (!e->query || !e->cand[0] || !e->cand[1]) abort();
        }
        if (cn_pairs_start(p, 2, 1, (cn_pairs_pos){0, 0}) == CN_OK)
            for (int b = 0; b < 4; b++)
                if (cn_pairs_next(p, idx) != CN_OK || idx[0] >= n || idx[1] >= n || idx[0] == idx[1]) abort();
        cn_pairs_free(p);
    }
    unlink(path);
    return 0;
}
