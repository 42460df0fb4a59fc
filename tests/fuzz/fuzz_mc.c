/* libFuzzer target: multiple-choice question files (cn_mc_read), whole and
 * cut at a limit. What reads must hold what the scorer relies on: a question,
 * at least two non-empty choices whose lengths are their strings', and an
 * answer among them; what fails leaves the set empty. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "eval.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fuzz_window_ok(data, size)) return 0;
    char path[64];
    snprintf(path, sizeof path, "%s/fuzz_mc.%d.jsonl", fuzz_tmp(), (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    for (uint64_t limit = 0; limit <= 2; limit += 2) {
        cn_mc_set set;
        if (cn_mc_read(path, limit, &set)) {
            if (set.n || set.v) abort();
            continue;
        }
        if (!set.n || (limit && set.n > limit)) abort();
        for (size_t i = 0; i < set.n; i++) {
            const cn_mc_item *it = &set.v[i];
            if (!it->q || it->nch < 2 || it->answer < 0 || it->answer >= it->nch || it->line < 1) abort();
            for (int k = 0; k < it->nch; k++)
                if (!it->chlen[k] || it->chlen[k] != strlen(it->ch[k])) abort();
        }
        cn_mc_free(&set);
    }
    unlink(path);
    return 0;
}
