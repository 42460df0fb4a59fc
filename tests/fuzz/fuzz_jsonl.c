/* libFuzzer target: the JSONL reader on arbitrary bytes (plain or zstd), with
 * and without UTF-8 replacement. */
#include <stddef.h>
#include <stdint.h>
#include "fuzz.h"
#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fuzz_window_ok(data, size)) return 0;
    for (int flags = 0; flags <= CN_JSONL_REPLACE_UTF8; flags += CN_JSONL_REPLACE_UTF8) {
        cn_in *in = cn_in_mem(data, size, "fuzz");
        if (!in) return 0;
        cn_jsonl *j = cn_jsonl_new(in, flags);
        cJSON *o;
        while (cn_jsonl_next(j, &o) == CN_OK) {
            const char *s;
            size_t n;
            cn_jsonl_text(j, "text", &s, &n);
        }
        cn_jsonl_free(j);
        cn_in_close(in);
    }
    return 0;
}
