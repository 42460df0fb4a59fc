/* A main for a fuzz target outside libFuzzer: every file named, and every
 * file of a directory named, through LLVMFuzzerTestOneInput once. make test
 * runs each target's seeds and kept crashers this way (tests/sh/fuzz-seeds.sh),
 * under the sanitizers with make test SAN=1. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int one(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return perror(path), 1;
    size_t cap = 1 << 16, n = 0, k;
    uint8_t *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += k) == cap) buf = realloc(buf, cap *= 2);
    fclose(f);
    if (!buf) return fprintf(stderr, "%s: out of memory\n", path), 1;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

int main(int argc, char **argv) {
    int inputs = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) return perror(argv[i]), 1;
        if (!S_ISDIR(st.st_mode)) {
            bad |= one(argv[i]), inputs++;
            continue;
        }
        struct dirent **ents;
        int n = scandir(argv[i], &ents, NULL, alphasort);
        if (n < 0) return perror(argv[i]), 1;
        for (int k = 0; k < n; k++) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", argv[i], ents[k]->d_name);
            if (ents[k]->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode)) bad |= one(p), inputs++;
            free(ents[k]);
        }
        free(ents);
    }
    printf("%d inputs\n", inputs);
    return bad;
}
