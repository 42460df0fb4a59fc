/* libFuzzer target: safetensors files (the header parser and every check);
 * what opens must convert to fp32 without reading outside the data. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fuzz.h"
#include "st.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "%s/fuzz_st.%d.safetensors", fuzz_tmp(), (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    cn_st *s = cn_st_open(path);
    if (s) {
        for (size_t i = 0; i < cn_st_count(s); i++) {
            const cn_st_tensor *t = cn_st_at(s, i);
            if (t->numel > (1u << 20)) continue;
            float *x = malloc(t->numel * sizeof *x + 1);
            if (x) cn_st_to_f32(t, x, t->numel);
            free(x);
        }
        cn_st_close(s);
    }
    unlink(path);
    return 0;
}
