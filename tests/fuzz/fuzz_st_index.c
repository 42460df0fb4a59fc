/* libFuzzer target: a sharded checkpoint's model.safetensors.index.json over
 * two small shards (written once): what opens must find every tensor it
 * lists in the shard that holds it, and convert it. A zstd-compressed index
 * (which the reader takes) is left to the stream targets: a few bytes of it
 * can expand to megabytes, and that spent the time on zstd, not on the index. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz.h"
#include "st.h"

static char dir[64];

static void cleanup(void) {
    char p[160];
    const char *names[] = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"};
    for (int i = 0; i < 3; i++) snprintf(p, sizeof p, "%s/%s", dir, names[i]), unlink(p);
    rmdir(dir);
}

/* a safetensors file of one F32 tensor of 4 elements */
static void shard(const char *name, const char *tensor) {
    char path[160], h[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int n = snprintf(h, sizeof h, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", tensor);
    while (n % 8) h[n++] = ' ';
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    uint64_t len = (uint64_t)n;
    float x[4] = {1, 2, 3, 4};
    fwrite(&len, 8, 1, f), fwrite(h, 1, (size_t)n, f), fwrite(x, 4, 4, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd) return 0;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/fuzz_st_index.%d", fuzz_tmp(), (int)getpid());
        mkdir(dir, 0700);
        atexit(cleanup);
        shard("model-00001-of-00002.safetensors", "a.weight");
        shard("model-00002-of-00002.safetensors", "b.weight");
    }
    char path[128];
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    cn_st *s = cn_st_open(dir);
    if (s) {
        for (size_t i = 0; i < cn_st_count(s); i++) {
            const cn_st_tensor *t = cn_st_at(s, i);
            float x[4];
            if (t->numel != 4 || cn_st_to_f32(t, x, 4) != CN_OK || x[3] != 4) abort();
        }
        cn_st_close(s);
    }
    return 0;
}
