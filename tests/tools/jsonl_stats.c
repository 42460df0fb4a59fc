/* jsonl_stats: reads JSONL corpora with libcore's reader and prints records and
 * text bytes per kind; fails on a record without string fields text, source,
 * kind, or with text longer than --max-text bytes. Used by make demo and the
 * corpus tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonl.h"
#include "num.h"

#define MAXKIND 32

int main(int argc, char **argv) {
    uint64_t max_text = 0;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--max-text") == 0) {
        if (cn_parse_u64(argv[i + 1], &max_text)) {
            fprintf(stderr, "jsonl_stats: %s\n", cn_errmsg());
            return 2;
        }
        i += 2;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: jsonl_stats [--max-text N] FILE...\n");
        return 2;
    }
    for (; i < argc; i++) {
        cn_in *in = cn_in_open(argv[i]);
        if (!in) {
            fprintf(stderr, "jsonl_stats: %s\n", cn_errmsg());
            return 1;
        }
        cn_jsonl *j = cn_jsonl_new(in, 0);
        char kinds[MAXKIND][32];
        uint64_t recs[MAXKIND] = {0}, bytes[MAXKIND] = {0}, tr = 0, tb = 0;
        int nk = 0;
        cJSON *o;
        cn_status st;
        while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
            const char *text, *kind, *src;
            size_t n, kn, sn;
            if ((st = cn_jsonl_text(j, "text", &text, &n)) || (st = cn_jsonl_text(j, "kind", &kind, &kn)) ||
                (st = cn_jsonl_text(j, "source", &src, &sn)))
                break;
            if (max_text && n > max_text) {
                st = cn_fail(CN_EFORMAT, "%s:%llu: text of %zu bytes exceeds %llu", argv[i],
                             (unsigned long long)cn_jsonl_line(j), n, (unsigned long long)max_text);
                break;
            }
            int k;
            for (k = 0; k < nk && strcmp(kinds[k], kind) != 0; k++) {}
            if (k == nk) {
                if (nk == MAXKIND) k = nk - 1;
                else snprintf(kinds[nk++], sizeof kinds[0], "%s", kind);
            }
            recs[k]++;
            bytes[k] += n;
            tr++;
            tb += n;
        }
        if (st != CN_EOF) {
            fprintf(stderr, "jsonl_stats: %s\n", cn_errmsg());
            return 1;
        }
        printf("%s: %llu records, %llu bytes (%.2f MB)\n", argv[i], (unsigned long long)tr, (unsigned long long)tb, tb / 1e6);
        for (int k = 0; k < nk; k++)
            printf("  %-8s %7llu records %11llu bytes (%.2f MB)\n", kinds[k], (unsigned long long)recs[k],
                   (unsigned long long)bytes[k], bytes[k] / 1e6);
        cn_jsonl_free(j);
        cn_in_close(in);
    }
    return 0;
}
