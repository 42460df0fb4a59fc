/* libFuzzer target: a FAISS IndexFlatIP file (cn_vec_index_open); what opens
 * is searched for its first row's top 3 without reading outside the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fuzz.h"
#include "vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "%s/fuzz_vec.%d.faiss", fuzz_tmp(), (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    cn_vec_index *ix = cn_vec_index_open(path);
    if (ix) {
        int d = cn_vec_index_dim(ix);
        int64_t n = cn_vec_index_count(ix);
        if (d < 1 || n < 0 || (uint64_t)n * (uint64_t)d * 4 + 45 != size) abort();
        if (n > 0 && d <= 4096) {
            float *q = malloc((size_t)d * sizeof *q), s[3];
            int64_t id[3];
            cn_vec_index_row(ix, 0, q);
            if (cn_vec_search(ix, q, 1, 3, id, s) == CN_OK && (id[0] < 0 || id[0] >= n)) abort();
            free(q);
        }
        cn_vec_index_close(ix);
    }
    unlink(path);
    return 0;
}
