/* libFuzzer target: a vocabulary map (map.jsonl of cn-vocab augment, read by
 * cn_bpe_map_read for cn-pretrain --vocab-map). What reads is one row per
 * line, each with its base ids; what fails leaves nothing to free. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "bpe.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fuzz_window_ok(data, size)) return 0;
    char path[64];
    snprintf(path, sizeof path, "%s/fuzz_bpe_map.%d.jsonl", fuzz_tmp(), (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    cn_bpe_map_row *rows;
    size_t n;
    if (cn_bpe_map_read(path, &rows, &n)) {
        if (rows || n) abort();
    } else {
        volatile uint32_t sink; /* every id is there to read (ASan checks each) */
        for (size_t i = 0; i < n; i++) {
            if (!rows[i].base) abort();
            for (uint32_t k = 0; k < rows[i].nbase; k++) sink = rows[i].base[k];
        }
        (void)sink;
        cn_bpe_map_free(rows, n);
    }
    unlink(path);
    return 0;
}
