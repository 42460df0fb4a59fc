/* libFuzzer target: pairs from a document's layout (cn_struct_pairs): every
 * positive lies inside the text, is at most max_chars characters (4 bytes each at most) and at least 24 bytes,
 * and every query is 2 to 200 bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "structure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cn_sp *v;
    size_t n;
    if (cn_struct_pairs((const char *)data, size, 96, &v, &n) != CN_OK) return 0;
    for (size_t i = 0; i < n; i++) {
        size_t q = strlen(v[i].query);
        if (v[i].start >= v[i].end || v[i].end > size || v[i].end - v[i].start > 4 * 96 || v[i].end - v[i].start < 24 || q < 2 || q > 200 ||
            v[i].kind >= CN_SP_KINDS)
            abort();
    }
    cn_sp_free(v, n);
    return 0;
}
